output "id" {
  description = "ID of the PostgreSQL flexible server (the database alerts watch it)."
  value       = azurerm_postgresql_flexible_server.this.id
}

output "name" {
  description = "Name of the PostgreSQL flexible server."
  value       = azurerm_postgresql_flexible_server.this.name
}

output "fqdn" {
  description = "Host name of the server, resolved through the private DNS zone (DB_HOST)."
  value       = azurerm_postgresql_flexible_server.this.fqdn
}

output "port" {
  description = "Port of the server (DB_PORT)."
  value       = 5432
}

output "db_name" {
  description = "Name of the application database (DB_NAME)."
  value       = azurerm_postgresql_flexible_server_database.this.name
}

output "administrator_login" {
  description = "Login the service connects as (DB_USER)."
  value       = azurerm_postgresql_flexible_server.this.administrator_login
}

output "max_connections" {
  description = "max_connections of the server (the connections alert fires at 80 percent)."
  value       = tonumber(azurerm_postgresql_flexible_server_configuration.this["max_connections"].value)
}

output "password_secret_name" {
  description = "Name of the Key Vault secret holding the password (DB_PASSWORD_SECRET); never the value."
  value       = azapi_resource.password.name
}

output "password_secret_id" {
  description = "Resource ID of that secret: the scope of the app's Key Vault Secrets User role."
  value       = azapi_resource.password.id
}

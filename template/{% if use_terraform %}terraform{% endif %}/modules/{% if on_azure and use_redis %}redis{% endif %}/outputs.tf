output "id" {
  description = "ID of the cache (the cache alerts watch it)."
  value       = azurerm_redis_cache.this.id
}

output "name" {
  description = "Name of the cache."
  value       = azurerm_redis_cache.this.name
}

output "hostname" {
  description = "Host name of the cache (REDIS_URL host); inside the network it resolves to the private endpoint."
  value       = azurerm_redis_cache.this.hostname
  depends_on  = [azurerm_private_endpoint.redis]
}

output "ssl_port" {
  description = "TLS port of the cache (REDIS_URL port)."
  value       = azurerm_redis_cache.this.ssl_port
}

output "password_secret_name" {
  description = "Name of the Key Vault secret holding the access key (REDIS_AUTH_SECRET); never the value."
  value       = azapi_resource.password.name
}

output "password_secret_id" {
  description = "Resource ID of that secret: the scope of the app's Key Vault Secrets User role."
  value       = azapi_resource.password.id
}

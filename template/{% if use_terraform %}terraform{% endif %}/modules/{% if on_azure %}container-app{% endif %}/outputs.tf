output "app_id" {
  description = "ID of the Container App (the app alerts watch it)."
  value       = azurerm_container_app.this.id
}

output "app_name" {
  description = "Name of the Container App."
  value       = azurerm_container_app.this.name
}

output "environment_name" {
  description = "Name of the Container Apps environment."
  value       = azurerm_container_app_environment.this.name
}

output "fqdn" {
  description = "Default host name of the app's ingress (`<app>.<unique>.<region>.azurecontainerapps.io`)."
  value       = azurerm_container_app.this.ingress[0].fqdn
}

output "latest_revision_name" {
  description = "Revision the current configuration created."
  value       = azurerm_container_app.this.latest_revision_name
}

output "custom_domain_verification_id" {
  description = "Value of the `asuid.<domain>` TXT record that proves ownership of a custom domain."
  value       = azurerm_container_app.this.custom_domain_verification_id
  sensitive   = true
}

output "static_ip_address" {
  description = "Public IP address of the environment's ingress (for an A record of an apex domain)."
  value       = azurerm_container_app_environment.this.static_ip_address
}

output "registry_login_server" {
  description = "Login server of the container registry (`<name>.azurecr.io`)."
  value       = azurerm_container_registry.this.login_server
}

output "identity_client_id" {
  description = "Client id of the app's user-assigned identity (AZURE_CLIENT_ID)."
  value       = azurerm_user_assigned_identity.this.client_id
}

output "identity_principal_id" {
  description = "Principal (object) id of the app's user-assigned identity."
  value       = azurerm_user_assigned_identity.this.principal_id
}

output "environment_variables" {
  description = "Names of the container's environment variables (values are plain settings; no secret values)."
  value       = sort(keys(local.environment))
}

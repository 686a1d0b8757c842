output "id" {
  description = "ID of the Key Vault (parent of the service's secrets)."
  value       = azurerm_key_vault.this.id
}

output "name" {
  description = "Name of the Key Vault."
  value       = azurerm_key_vault.this.name
}

output "vault_uri" {
  description = "URI of the Key Vault, `https://<name>.vault.azure.net/` (KEY_VAULT_URL)."
  value       = azurerm_key_vault.this.vault_uri
  # The app reads secrets through the private endpoint: hand out the URI once it resolves.
  depends_on = [azurerm_private_endpoint.vault]
}

output "private_endpoint_ip" {
  description = "Private IP address the vault's name resolves to inside the network."
  value       = azurerm_private_endpoint.vault.private_service_connection[0].private_ip_address
}

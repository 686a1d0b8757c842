output "action_group_id" {
  description = "ID of the action group every alert but the burn-rate alerts notifies."
  value       = azurerm_monitor_action_group.this.id
}

output "action_group_name" {
  description = "Name of the action group every alert but the burn-rate alerts notifies."
  value       = azurerm_monitor_action_group.this.name
}

output "dashboard_name" {
  description = "Name of the portal dashboard."
  value       = azurerm_portal_dashboard.this.name
}

output "alarm_names" {
  description = "Name of every alert by failure mode."
  value       = var.alarm_names
}

output "application_insights_name" {
  description = "Application Insights component holding the availability test's results."
  value       = azurerm_application_insights.this.name
}

output "page_action_group_id" {
  description = "ID of the action group a fast burn of the error budget pages."
  value       = azurerm_monitor_action_group.page.id
}

output "ticket_action_group_id" {
  description = "ID of the action group a slow burn of the error budget opens a ticket with."
  value       = azurerm_monitor_action_group.ticket.id
}

output "application_insights_id" {
  description = "ID of the Application Insights component (the burn-rate alerts query its requests)."
  value       = azurerm_application_insights.this.id
}

output "connection_string_secret_id" {
  description = "Resource ID of the Key Vault secret holding the connection string (the app's identity may read exactly this)."
  value       = azapi_resource.connection_string.id
}

output "connection_string_secret_uri" {
  description = "Versionless URI of that secret, `https://<vault>.vault.azure.net/secrets/<name>` (the Container App's Key Vault reference)."
  value       = "${var.key_vault_uri}secrets/${azapi_resource.connection_string.name}"
}

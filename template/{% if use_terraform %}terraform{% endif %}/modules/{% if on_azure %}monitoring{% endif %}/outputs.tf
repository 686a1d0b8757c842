output "action_group_id" {
  description = "ID of the action group every alert notifies."
  value       = azurerm_monitor_action_group.this.id
}

output "action_group_name" {
  description = "Name of the action group every alert notifies."
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

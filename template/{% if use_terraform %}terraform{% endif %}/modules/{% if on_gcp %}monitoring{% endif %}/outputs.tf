output "notification_channel_id" {
  description = "Id of the e-mail notification channel."
  value       = google_monitoring_notification_channel.email.id
}

output "alert_policy_names" {
  description = "Display name of every alert policy by failure mode."
  value       = { for key, policy in google_monitoring_alert_policy.this : key => policy.display_name }
}

output "alert_policy_ids" {
  description = "Id of every alert policy by failure mode."
  value       = { for key, policy in google_monitoring_alert_policy.this : key => policy.id }
}

output "uptime_check_id" {
  description = "Id of the uptime check (check_id label of its metrics)."
  value       = google_monitoring_uptime_check_config.health.uptime_check_id
}

output "dashboard_id" {
  description = "Id of the dashboard."
  value       = google_monitoring_dashboard.this.id
}

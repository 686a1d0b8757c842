output "notification_channel_id" {
  description = "Id of the e-mail notification channel."
  value       = google_monitoring_notification_channel.email.id
}

output "page_notification_channel_id" {
  description = "Id of the notification channel fast error budget burns page through."
  value       = google_monitoring_notification_channel.page.id
}

output "alert_policy_names" {
  description = "Display name of every alert policy by failure mode."
  value       = { for key, policy in merge(google_monitoring_alert_policy.this, google_monitoring_alert_policy.burn_rate) : key => policy.display_name }
}

output "alert_policy_ids" {
  description = "Id of every alert policy by failure mode."
  value       = { for key, policy in merge(google_monitoring_alert_policy.this, google_monitoring_alert_policy.burn_rate) : key => policy.id }
}

output "slo_ids" {
  description = "Resource name of each service level objective (select_slo_burn_rate takes it), by objective."
  value       = local.slo_names
}

output "uptime_check_id" {
  description = "Id of the uptime check (check_id label of its metrics)."
  value       = google_monitoring_uptime_check_config.health.uptime_check_id
}

output "dashboard_id" {
  description = "Id of the dashboard."
  value       = google_monitoring_dashboard.this.id
}

output "sns_topic_arn" {
  description = "ARN of the ticket topic (alarms of severity ticket)."
  value       = aws_sns_topic.alarms.arn
}

output "page_topic_arn" {
  description = "ARN of the page topic (alarms of severity page); subscribe the on-call tool to it."
  value       = aws_sns_topic.page.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "alarm_names" {
  description = "Name of every alarm by failure mode."
  value       = var.alarm_names
}

output "alarm_arns" {
  description = "ARNs of all alarms."
  value       = local.alarm_arns
}

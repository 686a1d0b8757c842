output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (the LoadBalancer dimension of its metrics)."
  value       = aws_lb.this.arn_suffix
}

output "alb_name" {
  description = "Name of the load balancer."
  value       = aws_lb.this.name
}

output "alb_dns_name" {
  description = "DNS name of the load balancer (point the service's DNS record at it)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Route 53 hosted zone of the load balancer, for alias records."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "target_group_arn" {
  description = "ARN of the target group. Depends on the listeners so that an ECS service never registers with a target group that has no load balancer yet."
  value       = aws_lb_target_group.this.arn

  depends_on = [aws_lb_listener.https, aws_lb_listener.http]
}

output "target_group_arn_suffix" {
  description = "ARN suffix of the target group (the TargetGroup dimension of its metrics)."
  value       = aws_lb_target_group.this.arn_suffix
}

output "target_group_name" {
  description = "Name of the target group."
  value       = aws_lb_target_group.this.name
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener (null without a certificate)."
  value       = one(aws_lb_listener.https[*].arn)
}

output "https" {
  description = "Whether the load balancer serves HTTPS (a certificate is set); false: plain HTTP on port 80 of its DNS name."
  value       = local.https
}

output "access_logs_bucket" {
  description = "S3 bucket holding the access logs."
  value       = aws_s3_bucket.access_logs.id
}

output "web_acl_arn" {
  description = "ARN of the WAFv2 web ACL."
  value       = aws_wafv2_web_acl.this.arn
}

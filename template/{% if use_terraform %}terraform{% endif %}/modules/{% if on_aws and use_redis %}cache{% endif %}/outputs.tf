output "replication_group_id" {
  description = "ID of the replication group."
  value       = aws_elasticache_replication_group.this.id
}

output "primary_endpoint_address" {
  description = "Primary endpoint (TLS) of the replication group."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Port of the replication group."
  value       = local.port
}

output "auth_secret_arn" {
  description = "ARN of the secret whose value is the AUTH token."
  value       = aws_secretsmanager_secret.auth.arn
}

output "member_clusters" {
  description = "IDs of the cache nodes (ElastiCache names them after the replication group: -001, -002, ...); metrics are per node."
  value       = [for i in range(local.num_cache_clusters) : format("%s-%03d", var.replication_group_id, i + 1)]
}

output "security_group_id" {
  description = "Security group of the cache."
  value       = aws_security_group.cache.id
}

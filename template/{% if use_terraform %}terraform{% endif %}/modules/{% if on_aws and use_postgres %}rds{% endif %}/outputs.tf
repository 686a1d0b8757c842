output "identifier" {
  description = "DB instance identifier."
  value       = aws_db_instance.this.identifier
}

output "arn" {
  description = "ARN of the DB instance."
  value       = aws_db_instance.this.arn
}

output "address" {
  description = "Host name of the DB instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the DB instance."
  value       = aws_db_instance.this.port
}

output "db_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "master_user_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret holding the master credentials."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.db.id
}

output "max_connections" {
  description = "max_connections of the parameter group (the connections alarm fires at 80 percent)."
  value       = var.max_connections
}

output "allocated_storage" {
  description = "Initial storage in GiB."
  value       = var.allocated_storage
}

output "postgresql_log_group_name" {
  description = "Log group the postgresql log is exported to (the authentication-failure alarm reads it)."
  value       = aws_cloudwatch_log_group.exports["postgresql"].name
}

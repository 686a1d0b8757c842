output "instance_name" {
  description = "Name of the Cloud SQL instance."
  value       = google_sql_database_instance.this.name
}

output "connection_name" {
  description = "Connection name <project>:<region>:<instance>."
  value       = google_sql_database_instance.this.connection_name
}

output "database_id" {
  description = "<project>:<instance>, the database_id label of the instance's metrics and logs."
  value       = "${google_sql_database_instance.this.project}:${google_sql_database_instance.this.name}"
}

output "private_ip_address" {
  description = "Private IP address of the instance (DB_HOST)."
  value       = google_sql_database_instance.this.private_ip_address
}

output "port" {
  description = "PostgreSQL port (DB_PORT)."
  value       = 5432
}

output "db_name" {
  description = "Name of the application database (DB_NAME)."
  value       = google_sql_database.this.name
}

output "db_user" {
  description = "Built-in user of the service (DB_USER)."
  value       = google_sql_user.app.name
}

output "iam_user" {
  description = "IAM database user of the service account."
  value       = google_sql_user.iam.name
}

output "max_connections" {
  description = "max_connections of the instance."
  value       = var.max_connections
}

output "password_secret_id" {
  description = "Id (projects/<project>/secrets/<name>) of the password secret."
  value       = google_secret_manager_secret.password.id
}

output "password_secret_version" {
  description = "Resource name of the password's latest version (DB_PASSWORD_SECRET); a name, never the value."
  value       = "${google_secret_manager_secret.password.id}/versions/latest"

  # The service resolves "latest" at start: a version must exist by then.
  depends_on = [google_secret_manager_secret_version.password]
}

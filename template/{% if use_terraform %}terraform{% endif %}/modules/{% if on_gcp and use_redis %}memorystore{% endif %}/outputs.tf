output "instance_name" {
  description = "Name of the Memorystore instance."
  value       = google_redis_instance.this.name
}

output "instance_id" {
  description = "Full id projects/<project>/locations/<region>/instances/<name>, the instance_id label of its metrics."
  value       = google_redis_instance.this.id
}

output "host" {
  description = "Private IP address of the primary (the REDIS_URL host)."
  value       = google_redis_instance.this.host
}

output "port" {
  description = "Port of the primary (6378 with TLS)."
  value       = google_redis_instance.this.port
}

output "server_ca_certificate" {
  description = "PEM of the instance's server CA (REDIS_CA_CERT): public, the client verifies TLS against it."
  value       = google_redis_instance.this.server_ca_certs[0].cert
}

output "auth_secret_id" {
  description = "Id (projects/<project>/secrets/<name>) of the AUTH secret."
  value       = google_secret_manager_secret.auth.id
}

output "auth_secret_version" {
  description = "Resource name of the AUTH string's latest version (REDIS_AUTH_SECRET); a name, never the value."
  value       = "${google_secret_manager_secret.auth.id}/versions/latest"

  # The service resolves "latest" at start: a version must exist by then.
  depends_on = [google_secret_manager_secret_version.auth]
}

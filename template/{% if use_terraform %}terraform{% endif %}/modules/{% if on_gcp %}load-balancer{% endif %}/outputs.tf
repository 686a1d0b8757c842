output "ip_address" {
  description = "Global IPv4 address of the load balancer (the domain's A record)."
  value       = google_compute_global_address.this.address
}

output "backend_service_name" {
  description = "Name of the backend service."
  value       = google_compute_backend_service.this.name
}

output "url_map_name" {
  description = "Name of the HTTPS URL map (label of the load balancer's metrics)."
  value       = google_compute_url_map.this.name
}

output "security_policy_name" {
  description = "Name of the Cloud Armor policy."
  value       = google_compute_security_policy.this.name
}

output "certificate_name" {
  description = "Name of the Google-managed certificate."
  value       = google_compute_managed_ssl_certificate.this.name
}

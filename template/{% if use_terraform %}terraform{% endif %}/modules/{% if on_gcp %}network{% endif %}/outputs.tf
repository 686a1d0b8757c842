output "network_id" {
  description = "Id (projects/<project>/global/networks/<name>) of the VPC network."
  value       = google_compute_network.this.id
}

output "network_name" {
  description = "Name of the VPC network."
  value       = google_compute_network.this.name
}

output "subnet_id" {
  description = "Id of the subnet of the service's Direct VPC egress."
  value       = google_compute_subnetwork.this.id
}

output "subnet_cidr" {
  description = "IPv4 range of the subnet."
  value       = google_compute_subnetwork.this.ip_cidr_range
}

output "private_services_network" {
  description = "The network id, available once private services access is connected: Cloud SQL and Memorystore attach through it."
  value       = google_service_networking_connection.this.network
}

output "psa_range_name" {
  description = "Name of the private services access range (Cloud SQL allocated_ip_range, Memorystore reserved_ip_range)."
  value       = google_compute_global_address.private_services.name
}

# A custom-mode VPC network with one regional subnet for the service's Direct VPC egress
# (flow logs, Private Google Access), a deny-all ingress rule that logs, Cloud NAT for
# instances that egress through the VPC, and the private services access range and peering
# that Cloud SQL and Memorystore take their private addresses from.

locals {
  prefix_length = tonumber(split("/", var.cidr_block)[1])
  subnet_cidr   = cidrsubnet(var.cidr_block, 1, 0)
  psa_cidr      = cidrsubnet(var.cidr_block, 1, 1)
}

resource "google_compute_network" "this" {
  name                            = var.network_name
  auto_create_subnetworks         = false
  routing_mode                    = "REGIONAL"
  delete_default_routes_on_create = false
}

resource "google_compute_subnetwork" "this" {
  name                     = var.subnet_name
  network                  = google_compute_network.this.id
  region                   = var.region
  ip_cidr_range            = local.subnet_cidr
  stack_type               = "IPV4_ONLY"
  private_ip_google_access = true

  log_config {
    aggregation_interval = "INTERVAL_5_SEC"
    flow_sampling        = var.flow_log_sampling
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Nothing in this network accepts connections: Cloud Run is reached through the load
# balancer, Cloud SQL and Memorystore live in Google's peered networks. Denied attempts
# are logged.
resource "google_compute_firewall" "deny_ingress" {
  name        = var.firewall_name
  network     = google_compute_network.this.id
  description = "Deny and log all ingress into ${var.network_name}."
  direction   = "INGRESS"
  priority    = 65534

  source_ranges = ["0.0.0.0/0"]

  deny {
    protocol = "all"
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_router" "this" {
  name    = var.router_name
  network = google_compute_network.this.id
  region  = var.region
}

resource "google_compute_router_nat" "this" {
  name                               = var.nat_name
  router                             = google_compute_router.this.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "LIST_OF_SUBNETWORKS"

  subnetwork {
    name                    = google_compute_subnetwork.this.id
    source_ip_ranges_to_nat = ["ALL_IP_RANGES"]
  }

  log_config {
    enable = true
    filter = "ERRORS_ONLY"
  }
}

resource "google_compute_global_address" "private_services" {
  name          = var.psa_range_name
  network       = google_compute_network.this.id
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  address       = cidrhost(local.psa_cidr, 0)
  prefix_length = local.prefix_length + 1
}

resource "google_service_networking_connection" "this" {
  network                 = google_compute_network.this.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]
  # Removing the peering while Cloud SQL or Memorystore still use it fails; the
  # producer side goes away with the last instance.
  deletion_policy = "ABANDON"
}

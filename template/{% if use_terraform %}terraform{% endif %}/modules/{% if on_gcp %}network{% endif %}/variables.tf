variable "network_name" {
  description = "Name of the VPC network (names[env].network)."
  type        = string
}

variable "subnet_name" {
  description = "Name of the subnet of the service's Direct VPC egress (names[env].subnet)."
  type        = string
}

variable "router_name" {
  description = "Name of the Cloud Router of the NAT (names[env].router)."
  type        = string
}

variable "nat_name" {
  description = "Name of the Cloud NAT (names[env].nat)."
  type        = string
}

variable "psa_range_name" {
  description = "Name of the range reserved for private services access: Cloud SQL and Memorystore (names[env].psa_range)."
  type        = string
}

variable "firewall_name" {
  description = "Name of the firewall rule that denies and logs all ingress (names[env].firewall_deny_ingress)."
  type        = string
}

variable "region" {
  description = "Region of the subnet, router and NAT."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 block of the network (/16 to /20): the first half becomes the subnet, the second half the private services range."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be an IPv4 CIDR block from /16 to /20."
  }
}

variable "flow_log_sampling" {
  description = "Share of the subnet's flows recorded in VPC flow logs (0 to 1)."
  type        = number
  default     = 0.5

  validation {
    condition     = var.flow_log_sampling > 0 && var.flow_log_sampling <= 1
    error_message = "flow_log_sampling must be above 0 and at most 1."
  }
}

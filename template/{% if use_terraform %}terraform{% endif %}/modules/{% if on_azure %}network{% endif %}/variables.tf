variable "resource_group_name" {
  description = "Resource group of the network."
  type        = string
}

variable "location" {
  description = "Azure region of the network."
  type        = string
}

variable "vnet_name" {
  description = "Name of the virtual network (names[env].vnet)."
  type        = string
}

variable "address_space" {
  description = "IPv4 address space of the virtual network, a /16 to /20 (vpc_cidr)."
  type        = string

  validation {
    condition     = can(cidrhost(var.address_space, 0)) && tonumber(split("/", var.address_space)[1]) >= 16 && tonumber(split("/", var.address_space)[1]) <= 20
    error_message = "address_space must be an IPv4 CIDR block from /16 to /20."
  }
}

variable "apps_subnet_name" {
  description = "Name of the Container Apps environment's subnet (names[env].apps_subnet)."
  type        = string
}

variable "db_subnet_name" {
  description = "Name of the PostgreSQL flexible server's delegated subnet (names[env].db_subnet)."
  type        = string
}

variable "endpoints_subnet_name" {
  description = "Name of the private endpoints' subnet (names[env].endpoints_subnet)."
  type        = string
}

variable "apps_nsg_name" {
  description = "Name of the apps subnet's network security group (names[env].apps_nsg)."
  type        = string
}

variable "db_nsg_name" {
  description = "Name of the database subnet's network security group (names[env].db_nsg)."
  type        = string
}

variable "endpoints_nsg_name" {
  description = "Name of the private endpoints subnet's network security group (names[env].endpoints_nsg)."
  type        = string
}

variable "postgres_port" {
  description = "Port of PostgreSQL (the apps subnet may reach the database subnet on it)."
  type        = number
  default     = 5432
}

variable "tags" {
  description = "Tags of every resource (service, environment, owner, managed-by, repo)."
  type        = map(string)
}

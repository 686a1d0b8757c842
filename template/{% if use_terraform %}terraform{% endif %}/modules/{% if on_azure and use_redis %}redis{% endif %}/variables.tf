variable "resource_group_name" {
  description = "Resource group of the cache."
  type        = string
}

variable "location" {
  description = "Azure region of the cache."
  type        = string
}

variable "name" {
  description = "Name of the Azure Cache for Redis (names[env].redis), globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,61}[a-zA-Z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 2 to 63 letters, digits and single hyphens."
  }
}

variable "sku_name" {
  description = "SKU (env_config[env].redis_sku): Standard (primary and replica) or Premium (zones)."
  type        = string

  validation {
    condition     = contains(["Standard", "Premium"], var.sku_name)
    error_message = "sku_name must be Standard or Premium (Basic has no replica and no SLA)."
  }
}

variable "family" {
  description = "Family (env_config[env].redis_family): C for Standard, P for Premium."
  type        = string

  validation {
    condition     = contains(["C", "P"], var.family)
    error_message = "family must be C or P."
  }
}

variable "capacity" {
  description = "Size within the family (env_config[env].redis_capacity): 0 to 6 for C, 1 to 5 for P."
  type        = number

  validation {
    condition     = var.capacity >= 0 && var.capacity <= 6
    error_message = "capacity must be between 0 and 6."
  }
}

variable "zone_redundant" {
  description = "Place the primary and replica in different availability zones (Premium only; prod)."
  type        = bool
}

variable "private_endpoint_name" {
  description = "Name of the cache's private endpoint (names[env].redis_endpoint)."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the private endpoint."
  type        = string
}

variable "virtual_network_id" {
  description = "Virtual network the privatelink.redis.cache.windows.net zone is linked to."
  type        = string
}

variable "virtual_network_name" {
  description = "Name of that virtual network (names[env].vnet): the zone's link is named after it."
  type        = string
}

variable "key_vault_id" {
  description = "Key Vault that receives the cache's primary access key."
  type        = string
}

variable "password_secret_name" {
  description = "Name of the Key Vault secret holding the access key (names[env].redis_password_secret; REDIS_AUTH_SECRET)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,127}$", var.password_secret_name))
    error_message = "password_secret_name must be 1 to 127 letters, digits and hyphens."
  }
}

variable "diagnostic_setting_name" {
  description = "Name of the diagnostic setting that sends the cache's connection log and metrics to Log Analytics (names[env].diagnostic_setting)."
  type        = string
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace of the cache's logs and metrics."
  type        = string
}

variable "tags" {
  description = "Tags of every resource (service, environment, owner, managed-by, repo)."
  type        = map(string)
}

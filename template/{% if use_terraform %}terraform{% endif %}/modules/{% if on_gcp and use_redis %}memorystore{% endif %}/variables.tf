variable "region" {
  description = "Region of the instance and of the AUTH secret's replica."
  type        = string
}

variable "instance_name" {
  description = "Memorystore instance id (names[env].redis_instance)."
  type        = string

  validation {
    condition     = length(var.instance_name) <= 40 && can(regex("^[a-z]([a-z0-9-]*[a-z0-9])?$", var.instance_name))
    error_message = "instance_name must be at most 40 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "auth_secret_name" {
  description = "Secret Manager secret id that holds the AUTH string (names[env].redis_auth_secret)."
  type        = string
}

variable "auth_secret_version" {
  description = "Version of the stored AUTH string: raise it to copy the instance's current AUTH string into a new secret version."
  type        = number
  default     = 1

  validation {
    condition     = var.auth_secret_version >= 1 && floor(var.auth_secret_version) == var.auth_secret_version
    error_message = "auth_secret_version must be a positive integer."
  }
}

variable "tier" {
  description = "STANDARD_HA: a replica in another zone with automatic failover; BASIC: one node."
  type        = string

  validation {
    condition     = contains(["STANDARD_HA", "BASIC"], var.tier)
    error_message = "tier must be STANDARD_HA or BASIC."
  }
}

variable "memory_size_gb" {
  description = "Capacity in GB."
  type        = number

  validation {
    condition     = var.memory_size_gb >= 1 && var.memory_size_gb <= 300
    error_message = "memory_size_gb must be between 1 and 300."
  }
}

variable "maxmemory_policy" {
  description = "Eviction policy when memory is full (the service uses Redis as a cache)."
  type        = string
  default     = "allkeys-lru"

  validation {
    condition     = contains(["noeviction", "allkeys-lru", "volatile-lru", "allkeys-lfu", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"], var.maxmemory_policy)
    error_message = "maxmemory_policy must be a Redis eviction policy."
  }
}

variable "authorized_network" {
  description = "VPC network id with private services access connected."
  type        = string
}

variable "reserved_ip_range" {
  description = "Name of the private services access range the instance's addresses come from."
  type        = string
}

variable "kms_key_id" {
  description = "Customer-managed KMS key of the instance's data and of the AUTH secret."
  type        = string
}

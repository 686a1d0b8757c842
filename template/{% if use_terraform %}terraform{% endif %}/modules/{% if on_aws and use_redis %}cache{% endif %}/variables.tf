variable "replication_group_id" {
  description = "ID of the replication group (names[env].cache_replication_group); at most 40 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.replication_group_id)) && !endswith(var.replication_group_id, "-") && !strcontains(var.replication_group_id, "--")
    error_message = "replication_group_id must be 1 to 40 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "subnet_group_name" {
  description = "Name of the cache subnet group (names[env].cache_subnet_group)."
  type        = string
}

variable "security_group_name" {
  description = "Name of the cache security group (names[env].cache_security_group)."
  type        = string
}

variable "auth_secret_name" {
  description = "Name of the Secrets Manager secret holding the AUTH token (names[env].redis_auth_secret)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cache."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the cache, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must hold at least two subnets in different availability zones."
  }
}

variable "client_security_group_id" {
  description = "Security group of the service tasks; the only source allowed to connect."
  type        = string
}

variable "node_type" {
  description = "Cache node type (env_config[env].cache_node_type)."
  type        = string

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type such as cache.t4g.small."
  }
}

variable "engine_version" {
  description = "Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "multi_az" {
  description = "Run a replica in another AZ with automatic failover (env_config[env].multi_az)."
  type        = bool
}

variable "snapshot_retention_days" {
  description = "Days of daily snapshots to keep (0 disables them)."
  type        = number
  default     = 7

  validation {
    condition     = var.snapshot_retention_days >= 0 && var.snapshot_retention_days <= 35
    error_message = "snapshot_retention_days must be between 0 and 35."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for data at rest, the AUTH secret and the slow log."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the slow-log group in days."
  type        = number
  default     = 365
}

variable "slow_log_group_name" {
  description = "Log group of the Redis slow log (names[env].cache_slow_log_group)."
  type        = string
}

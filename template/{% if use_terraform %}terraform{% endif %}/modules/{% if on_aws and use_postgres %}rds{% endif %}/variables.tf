variable "identifier" {
  description = "DB instance identifier (names[env].db_identifier)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.identifier)) && !endswith(var.identifier, "-") && !strcontains(var.identifier, "--")
    error_message = "identifier must be 1 to 63 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "parameter_group_name" {
  description = "Name of the DB parameter group (names[env].db_parameter_group)."
  type        = string
}

variable "subnet_group_name" {
  description = "Name of the DB subnet group (names[env].db_subnet_group)."
  type        = string
}

variable "security_group_name" {
  description = "Name of the database security group (names[env].db_security_group)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the database, in at least two availability zones."
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

variable "db_name" {
  description = "Name of the application database."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a letter and hold at most 63 lowercase letters, digits and underscores."
  }
}

variable "master_username" {
  description = "Master user name; RDS generates and rotates its password in Secrets Manager."
  type        = string
  default     = "app_admin"
}

variable "engine_version" {
  description = "PostgreSQL version, pinned to a minor release (auto minor upgrades move it; bump this to match)."
  type        = string
  default     = "16.13"

  validation {
    condition     = can(regex("^16\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a PostgreSQL 16 minor version such as 16.13."
  }
}

variable "instance_class" {
  description = "DB instance class (env_config[env].db_instance_class)."
  type        = string

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS instance class such as db.t4g.medium."
  }
}

variable "allocated_storage" {
  description = "Initial gp3 storage in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20
    error_message = "allocated_storage must be at least 20 GiB for gp3."
  }
}

variable "max_allocated_storage" {
  description = "Ceiling of storage autoscaling in GiB."
  type        = number
  default     = 200

  validation {
    condition     = var.max_allocated_storage >= 20
    error_message = "max_allocated_storage must be at least 20 GiB."
  }
}

variable "multi_az" {
  description = "Run a synchronous standby in another AZ (env_config[env].multi_az)."
  type        = bool
}

variable "deletion_protection" {
  description = "Protect the instance from deletion (env_config[env].deletion_protection)."
  type        = bool
}

variable "backup_retention_days" {
  description = "Days of automated backups and point-in-time recovery (env_config[env].backup_retention_days)."
  type        = number

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "max_connections" {
  description = "PostgreSQL max_connections (env_config[env].db_max_connections); keep max tasks x pool size below it."
  type        = number

  validation {
    condition     = var.max_connections >= 50 && var.max_connections <= 5000
    error_message = "max_connections must be between 50 and 5000."
  }
}

variable "log_min_duration_statement_ms" {
  description = "Log every statement that runs longer than this many milliseconds."
  type        = number
  default     = 500
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for storage, the master secret, Performance Insights and logs."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the exported PostgreSQL log groups in days."
  type        = number
  default     = 365
}

variable "monitoring_role_name" {
  description = "Name of the enhanced-monitoring IAM role (names[env].rds_monitoring_role)."
  type        = string
}

variable "final_snapshot_identifier" {
  description = "Identifier of the snapshot taken when the instance is deleted (names[env].db_final_snapshot)."
  type        = string
}

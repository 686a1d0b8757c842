variable "project_id" {
  description = "Project of the instance (project-level Cloud SQL roles of the client)."
  type        = string
}

variable "region" {
  description = "Region of the instance and of the password secret's replica."
  type        = string
}

variable "instance_name" {
  description = "Cloud SQL instance id (names[env].sql_instance)."
  type        = string

  validation {
    condition     = length(var.instance_name) <= 63 && can(regex("^[a-z]([a-z0-9-]*[a-z0-9])?$", var.instance_name))
    error_message = "instance_name must be at most 63 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "db_name" {
  description = "Name of the application database (DB_NAME)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must be at most 63 lowercase letters, digits and underscores, starting with a letter."
  }
}

variable "db_user" {
  description = "Built-in user the service logs in as with the generated password (names[env].db_user)."
  type        = string
}

variable "iam_user" {
  description = "IAM database user of the client service account: its e-mail without .gserviceaccount.com (names[env].db_iam_user)."
  type        = string

  validation {
    condition     = endswith(var.iam_user, ".iam") && length(var.iam_user) <= 63
    error_message = "iam_user must be the service account's e-mail without the .gserviceaccount.com suffix, at most 63 characters (PostgreSQL role names); shorten the service name or the project id."
  }
}

variable "password_secret_name" {
  description = "Secret Manager secret id that holds the built-in user's password (names[env].db_password_secret)."
  type        = string
}

variable "password_version" {
  description = "Version of the generated password: raise it to rotate (a new password goes to the user and a new secret version in the same apply)."
  type        = number
  default     = 1

  validation {
    condition     = var.password_version >= 1 && floor(var.password_version) == var.password_version
    error_message = "password_version must be a positive integer."
  }
}

variable "client_service_account_email" {
  description = "Service account of the service: it gets roles/cloudsql.client and roles/cloudsql.instanceUser (IAM login)."
  type        = string
}

variable "tier" {
  description = "Machine tier (db-custom-<vCPU>-<MiB>)."
  type        = string

  validation {
    condition     = can(regex("^db-custom-[0-9]+-[0-9]+$", var.tier))
    error_message = "tier must be a custom tier db-custom-<vCPU>-<MiB> (Enterprise edition)."
  }
}

variable "availability_type" {
  description = "REGIONAL: a synchronous standby in another zone with automatic failover; ZONAL: one zone."
  type        = string

  validation {
    condition     = contains(["REGIONAL", "ZONAL"], var.availability_type)
    error_message = "availability_type must be REGIONAL or ZONAL."
  }
}

variable "disk_size_gb" {
  description = "Initial SSD size in GB; the disk grows automatically up to disk_autoresize_limit_gb."
  type        = number

  validation {
    condition     = var.disk_size_gb >= 10
    error_message = "disk_size_gb must be at least 10."
  }
}

variable "disk_autoresize_limit_gb" {
  description = "Largest size automatic disk growth may reach (0: no limit)."
  type        = number
  default     = 1000
}

variable "max_connections" {
  description = "PostgreSQL max_connections (the connections alert fires at 80 percent of it)."
  type        = number

  validation {
    condition     = var.max_connections >= 25 && var.max_connections <= 262143
    error_message = "max_connections must be between 25 and 262143."
  }
}

variable "deletion_protection" {
  description = "Protect the instance from deletion (Terraform and the Cloud SQL API) and keep its backups after deletion."
  type        = bool
}

variable "backup_retention_days" {
  description = "Daily backups kept (one per day); point-in-time recovery covers the last 7 days."
  type        = number

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 365
    error_message = "backup_retention_days must be between 7 and 365."
  }
}

variable "private_network" {
  description = "VPC network id with private services access connected (the instance gets only a private IP in it)."
  type        = string
}

variable "allocated_ip_range" {
  description = "Name of the private services access range the instance's address comes from."
  type        = string
}

variable "kms_key_id" {
  description = "Customer-managed KMS key of the instance's disk and backups and of the password secret."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the server."
  type        = string
}

variable "location" {
  description = "Azure region of the server."
  type        = string
}

variable "server_name" {
  description = "Name of the PostgreSQL flexible server (names[env].postgres_server), globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.server_name))
    error_message = "server_name must be 3 to 63 lowercase letters, digits and hyphens."
  }
}

variable "private_dns_zone_name" {
  description = "Private DNS zone of the server (names[env].postgres_dns_zone), ending in .postgres.database.azure.com."
  type        = string

  validation {
    condition     = endswith(var.private_dns_zone_name, ".postgres.database.azure.com")
    error_message = "private_dns_zone_name must end with .postgres.database.azure.com."
  }
}

variable "virtual_network_id" {
  description = "Virtual network the private DNS zone is linked to."
  type        = string
}

variable "virtual_network_name" {
  description = "Name of that virtual network (names[env].vnet): the zone's link is named after it."
  type        = string
}

variable "delegated_subnet_id" {
  description = "Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers (private access)."
  type        = string
}

variable "administrator_login" {
  description = "Administrator login the service connects as (names[env].db_admin_user; DB_USER)."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.administrator_login)) && !contains(["admin", "administrator", "root", "guest", "public", "azure_superuser", "azure_pg_admin"], var.administrator_login) && !startswith(var.administrator_login, "pg_")
    error_message = "administrator_login must be a PostgreSQL role name that Azure allows (not admin, root, pg_*, ...)."
  }
}

variable "password_version" {
  description = "Bump to generate a new administrator password and write it to the server and the vault."
  type        = number
  default     = 1
}

variable "db_name" {
  description = "Name of the application database (DB_NAME)."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must be 1 to 63 lowercase letters, digits and underscores."
  }
}

variable "postgres_version" {
  description = "Major version of PostgreSQL."
  type        = string
  default     = "16"

  validation {
    condition     = contains(["15", "16", "17"], var.postgres_version)
    error_message = "postgres_version must be 15, 16 or 17."
  }
}

variable "sku_name" {
  description = "SKU of the server (env_config[env].db_sku), for example GP_Standard_D2ds_v5."
  type        = string

  validation {
    condition     = can(regex("^(B|GP|MO)_Standard_[A-Za-z0-9_]+$", var.sku_name))
    error_message = "sku_name must be a flexible server SKU such as GP_Standard_D2ds_v5."
  }
}

variable "storage_mb" {
  description = "Provisioned storage in MiB (env_config[env].db_storage_mb); storage grows automatically beyond it."
  type        = number

  validation {
    condition     = contains([32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4193280, 4194304, 8388608, 16777216, 33553408], var.storage_mb)
    error_message = "storage_mb must be a flexible server storage size such as 32768 or 131072."
  }
}

variable "high_availability_mode" {
  description = "ZoneRedundant (a standby in another zone with automatic failover; prod), SameZone or Disabled."
  type        = string

  validation {
    condition     = contains(["ZoneRedundant", "SameZone", "Disabled"], var.high_availability_mode)
    error_message = "high_availability_mode must be ZoneRedundant, SameZone or Disabled."
  }
}

variable "geo_redundant_backup" {
  description = "Keep backups in the paired region too (General Purpose and Memory Optimized SKUs only)."
  type        = bool
}

variable "backup_retention_days" {
  description = "Days of automated backups and point-in-time restore."
  type        = number

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35."
  }
}

variable "max_connections" {
  description = "PostgreSQL max_connections (env_config[env].db_max_connections); keep max replicas x pool size below it."
  type        = number

  validation {
    condition     = var.max_connections >= 25 && var.max_connections <= 5000
    error_message = "max_connections must be between 25 and 5000."
  }
}

variable "log_min_duration_statement_ms" {
  description = "Log every statement that runs longer than this many milliseconds."
  type        = number
  default     = 500
}

variable "deletion_protection" {
  description = "Put a CanNotDelete management lock on the server (prod)."
  type        = bool
}

variable "lock_name" {
  description = "Name of that management lock (names[env].db_lock)."
  type        = string
}

variable "key_vault_id" {
  description = "Key Vault that receives the generated administrator password."
  type        = string
}

variable "password_secret_name" {
  description = "Name of the Key Vault secret holding the password (names[env].db_password_secret; DB_PASSWORD_SECRET)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9-]{1,127}$", var.password_secret_name))
    error_message = "password_secret_name must be 1 to 127 letters, digits and hyphens."
  }
}

variable "diagnostic_setting_name" {
  description = "Name of the diagnostic setting that sends the server's logs to Log Analytics (names[env].diagnostic_setting)."
  type        = string
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace of the server's logs (the authentication-failure alert queries it)."
  type        = string
}

variable "tags" {
  description = "Tags of every resource (service, environment, owner, managed-by, repo)."
  type        = map(string)
}

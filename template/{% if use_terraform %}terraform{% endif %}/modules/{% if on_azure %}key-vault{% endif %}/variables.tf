variable "resource_group_name" {
  description = "Resource group of the vault."
  type        = string
}

variable "location" {
  description = "Azure region of the vault."
  type        = string
}

variable "name" {
  description = "Name of the Key Vault (names[env].key_vault), 3 to 24 characters, globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$", var.name)) && !strcontains(var.name, "--")
    error_message = "name must be 3 to 24 letters, digits and single hyphens, starting with a letter."
  }
}

variable "sku_name" {
  description = "Key Vault SKU (standard or premium)."
  type        = string
  default     = "standard"

  validation {
    condition     = contains(["standard", "premium"], var.sku_name)
    error_message = "sku_name must be standard or premium."
  }
}

variable "soft_delete_retention_days" {
  description = "Days a deleted vault or secret stays recoverable."
  type        = number
  default     = 90

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90
    error_message = "soft_delete_retention_days must be between 7 and 90."
  }
}

variable "private_endpoint_name" {
  description = "Name of the vault's private endpoint (names[env].key_vault_endpoint)."
  type        = string
}

variable "private_endpoint_subnet_id" {
  description = "Subnet of the private endpoint."
  type        = string
}

variable "virtual_network_id" {
  description = "Virtual network the privatelink.vaultcore.azure.net zone is linked to."
  type        = string
}

variable "virtual_network_name" {
  description = "Name of that virtual network (names[env].vnet): the zone's link is named after it."
  type        = string
}

variable "diagnostic_setting_name" {
  description = "Name of the diagnostic setting that sends the audit log to Log Analytics (names[env].diagnostic_setting)."
  type        = string
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace of the vault's audit log."
  type        = string
}

variable "tags" {
  description = "Tags of every resource (service, environment, owner, managed-by, repo)."
  type        = map(string)
}

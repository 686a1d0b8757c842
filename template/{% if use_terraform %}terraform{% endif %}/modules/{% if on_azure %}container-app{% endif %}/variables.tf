variable "resource_group_name" {
  description = "Resource group of the app, its environment, identity and registry."
  type        = string
}

variable "location" {
  description = "Azure region of the app."
  type        = string
}

variable "app_name" {
  description = "Name of the Container App (names[env].container_app)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}[a-z0-9]$", var.app_name)) && !strcontains(var.app_name, "--")
    error_message = "app_name must be 2 to 32 lowercase letters, digits and single hyphens, starting with a letter."
  }
}

variable "environment_name" {
  description = "Name of the Container Apps environment (names[env].container_app_environment)."
  type        = string
}

variable "infrastructure_resource_group_name" {
  description = "Resource group Azure creates for the environment's infrastructure (names[env].container_app_infrastructure_resource_group)."
  type        = string
}

variable "container_name" {
  description = "Name of the application container (names[env].container)."
  type        = string
}

variable "identity_name" {
  description = "Name of the app's user-assigned identity (names[env].identity)."
  type        = string
}

variable "registry_name" {
  description = "Name of the container registry (names[env].registry), 5 to 50 letters and digits, globally unique."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9]{5,50}$", var.registry_name))
    error_message = "registry_name must be 5 to 50 letters and digits."
  }
}

variable "registry_retention_days" {
  description = "Days untagged manifests stay in the registry."
  type        = number
  default     = 7

  validation {
    condition     = var.registry_retention_days >= 1 && var.registry_retention_days <= 365
    error_message = "registry_retention_days must be between 1 and 365."
  }
}

variable "log_analytics_workspace_id" {
  description = "Log Analytics workspace of the environment's console and system logs."
  type        = string
}

variable "infrastructure_subnet_id" {
  description = "Subnet delegated to Microsoft.App/environments (at least a /27)."
  type        = string
}

variable "zone_redundant" {
  description = "Spread the environment (and the replicas) over availability zones (prod)."
  type        = bool
}

variable "image_repository" {
  description = "Repository of the service's images in the registry."
  type        = string
}

variable "image_tag" {
  description = "Image tag to run (an immutable git SHA pushed by CI)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable Docker tag (not latest)."
  }
}

variable "container_port" {
  description = "Port the container listens on (ingress target port, probes; also PORT)."
  type        = number

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be between 1024 and 65535 (the container runs as a non-root user)."
  }
}

variable "cpu" {
  description = "CPU units per replica (1024 = 1 vCPU): 256 to 4096 on the Consumption profile."
  type        = number

  validation {
    condition     = contains([256, 512, 768, 1024, 1280, 1536, 1792, 2048, 3072, 4096], var.cpu)
    error_message = "cpu must be a Consumption profile size between 256 and 4096 (0.25 to 4 vCPU)."
  }
}

variable "memory" {
  description = "Memory per replica in MiB: exactly twice cpu on the Consumption profile."
  type        = number

  validation {
    condition     = var.memory == var.cpu * 2
    error_message = "memory must be twice cpu (1 vCPU : 2 GiB)."
  }
}

variable "health_live_path" {
  description = "Shallow liveness path the startup, liveness and readiness probes request."
  type        = string

  validation {
    condition     = startswith(var.health_live_path, "/")
    error_message = "health_live_path must start with /."
  }
}

variable "min_replicas" {
  description = "Minimum number of replicas (scale floor)."
  type        = number

  validation {
    condition     = var.min_replicas >= 1 && var.min_replicas <= 300
    error_message = "min_replicas must be between 1 and 300 (at least one: no cold starts)."
  }
}

variable "max_replicas" {
  description = "Maximum number of replicas (scale ceiling)."
  type        = number

  validation {
    condition     = var.max_replicas >= 1 && var.max_replicas <= 300
    error_message = "max_replicas must be between 1 and 300."
  }
}

variable "cpu_target" {
  description = "Average CPU utilisation (percent) the KEDA cpu scale rule holds the replicas at."
  type        = number

  validation {
    condition     = var.cpu_target >= 20 && var.cpu_target <= 90
    error_message = "cpu_target must be between 20 and 90."
  }
}

variable "concurrent_requests" {
  description = "Concurrent HTTP requests per replica at which the http scale rule adds replicas."
  type        = number
  default     = 100

  validation {
    condition     = var.concurrent_requests >= 1
    error_message = "concurrent_requests must be at least 1."
  }
}

variable "termination_grace_period_seconds" {
  description = "Seconds between SIGTERM and SIGKILL; the service drains within it."
  type        = number
  default     = 30

  validation {
    condition     = var.termination_grace_period_seconds >= 2 && var.termination_grace_period_seconds <= 600
    error_message = "termination_grace_period_seconds must be between 2 and 600."
  }
}

variable "environment" {
  description = "Plain (non-secret) environment variables of the container; secrets are passed as Key Vault secret names and read at runtime."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.environment) : can(regex("^[A-Z][A-Z0-9_]*$", k))]) && !contains(keys(var.environment), "AZURE_CLIENT_ID")
    error_message = "environment keys must be upper-case variable names; AZURE_CLIENT_ID is set by this module."
  }
}

variable "key_vault_secret_ids" {
  description = "Resource IDs of the Key Vault secrets the app reads, by a static key: the identity gets Key Vault Secrets User on exactly these."
  type        = map(string)
  default     = {}
}

variable "domain_name" {
  description = "Custom domain of the app (empty: none). Its CNAME and asuid TXT records must exist before apply."
  type        = string
  default     = ""

  validation {
    condition     = var.domain_name == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name or empty."
  }
}

variable "tags" {
  description = "Tags of every resource (service, environment, owner, managed-by, repo)."
  type        = map(string)
}

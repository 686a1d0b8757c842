variable "project_id" {
  description = "Project of the service (project-level roles of its service account)."
  type        = string
}

variable "region" {
  description = "Region of the service and its Artifact Registry repository."
  type        = string
}

variable "service_name" {
  description = "Name of the Cloud Run service (names[env].service)."
  type        = string

  validation {
    condition     = length(var.service_name) <= 49 && can(regex("^[a-z]([a-z0-9-]*[a-z0-9])?$", var.service_name))
    error_message = "service_name must be at most 49 lowercase letters, digits and hyphens."
  }
}

variable "container_name" {
  description = "Name of the application container (names[env].container)."
  type        = string
}

variable "service_account_id" {
  description = "Account id of the service's own service account (names[env].service_account)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.service_account_id))
    error_message = "service_account_id must be 6 to 30 lowercase letters, digits and hyphens."
  }
}

variable "artifact_repository" {
  description = "Id of the Docker repository in Artifact Registry (names[env].artifact_repository)."
  type        = string
}

variable "image" {
  description = "Image path without tag, in that repository (names[env].image)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9-]+-docker\\.pkg\\.dev/[a-z][a-z0-9-]+/[a-z0-9-]+/[a-z0-9._/-]+$", var.image))
    error_message = "image must be an Artifact Registry path <region>-docker.pkg.dev/<project>/<repository>/<image>."
  }
}

variable "image_tag" {
  description = "Image tag to run (an immutable git SHA pushed by CI)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable Docker tag (not latest)."
  }
}

variable "kms_key_id" {
  description = "Customer-managed KMS key that encrypts the Artifact Registry repository."
  type        = string
}

variable "network_id" {
  description = "VPC network of the Direct VPC egress."
  type        = string
}

variable "subnet_id" {
  description = "Subnet the instances take their egress addresses from."
  type        = string
}

variable "container_port" {
  description = "Port the container listens on (Cloud Run passes it as PORT)."
  type        = number
}

variable "cpu" {
  description = "vCPU of one instance in units of 1/1024 vCPU; Cloud Run allows 1, 2, 4, 6 or 8 vCPU."
  type        = number

  validation {
    condition     = contains([1024, 2048, 4096, 6144, 8192], var.cpu)
    error_message = "cpu must be 1024, 2048, 4096, 6144 or 8192 (1, 2, 4, 6 or 8 vCPU)."
  }
}

variable "memory" {
  description = "Memory of one instance in MiB (512 MiB up to 4 GiB per vCPU, at most 32 GiB)."
  type        = number

  validation {
    condition     = var.memory >= 512 && var.memory <= 32768 && var.memory <= var.cpu * 4
    error_message = "memory must be 512 to 32768 MiB and at most 4 GiB per vCPU."
  }
}

variable "max_concurrency" {
  description = "Concurrent requests one instance serves before Cloud Run adds instances."
  type        = number

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 1000
    error_message = "max_concurrency must be between 1 and 1000."
  }
}

variable "min_instances" {
  description = "Instances kept warm (autoscaling floor)."
  type        = number

  validation {
    condition     = var.min_instances >= 1
    error_message = "min_instances must be at least 1 (no cold starts, health checks always have an instance)."
  }
}

variable "max_instances" {
  description = "Autoscaling ceiling."
  type        = number

  validation {
    condition     = var.max_instances >= var.min_instances && var.max_instances <= 1000
    error_message = "max_instances must be between min_instances and 1000."
  }
}

variable "ingress" {
  description = "Who may reach the service: INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER (only the external load balancer and the VPC) or INGRESS_TRAFFIC_ALL (its run.app URL, for environments without a domain)."
  type        = string

  validation {
    condition     = contains(["INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER", "INGRESS_TRAFFIC_ALL"], var.ingress)
    error_message = "ingress must be INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER or INGRESS_TRAFFIC_ALL."
  }
}

variable "cpu_always_allocated" {
  description = "Keep CPU allocated between requests (instance-based billing): pool keep-alives and secret refreshes run on time."
  type        = bool
  default     = true
}

variable "request_timeout_seconds" {
  description = "Seconds a request may take before Cloud Run ends it."
  type        = number
  default     = 60

  validation {
    condition     = var.request_timeout_seconds >= 1 && var.request_timeout_seconds <= 3600
    error_message = "request_timeout_seconds must be between 1 and 3600."
  }
}

variable "health_live_path" {
  description = "Shallow liveness path of the startup and liveness probes."
  type        = string

  validation {
    condition     = startswith(var.health_live_path, "/")
    error_message = "health_live_path must start with /."
  }
}

variable "environment" {
  description = "Plain (non-secret) environment variables of the container. Secrets are passed as Secret Manager resource names and read at runtime."
  type        = map(string)

  validation {
    condition     = !contains(keys(var.environment), "PORT") && !anytrue([for k in keys(var.environment) : startswith(k, "K_") || startswith(k, "CLOUD_RUN_")])
    error_message = "environment must not set PORT, K_* or CLOUD_RUN_* (Cloud Run reserves them)."
  }
}

variable "secret_ids" {
  description = "Secrets the service reads at runtime, by a static key (its service account gets secretAccessor on exactly these)."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy the service (Terraform-side protection)."
  type        = bool
}

variable "repository_keep_versions" {
  description = "Most recent image versions the Artifact Registry cleanup policy always keeps."
  type        = number
  default     = 30
}

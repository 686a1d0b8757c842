variable "cluster_name" {
  description = "Name of the ECS cluster (names[env].cluster)."
  type        = string
}

variable "service_name" {
  description = "Name of the ECS service (names[env].service)."
  type        = string
}

variable "container_name" {
  description = "Name of the application container (names[env].container)."
  type        = string
}

variable "task_family" {
  description = "Family of the task definition (names[env].task_family)."
  type        = string
}

variable "log_group_name" {
  description = "Log group of the container logs (names[env].log_group)."
  type        = string
}

variable "execution_role_name" {
  description = "Name of the task execution role: image pull and log delivery (names[env].execution_role)."
  type        = string
}

variable "task_role_name" {
  description = "Name of the task role: what the application itself may call (names[env].task_role)."
  type        = string
}

variable "security_group_name" {
  description = "Name of the tasks' security group (names[env].service_security_group)."
  type        = string
}

variable "ecr_repository" {
  description = "Name of the ECR repository holding the service's images, in this account and region."
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

variable "cpu_architecture" {
  description = "CPU architecture the image is built for (X86_64 or ARM64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of the tasks, in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "private_subnet_ids must hold at least two subnets in different availability zones."
  }
}

variable "alb_security_group_id" {
  description = "Security group of the load balancer; the only source allowed to reach the tasks."
  type        = string
}

variable "target_group_arn" {
  description = "Target group the service registers its tasks with."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ARN suffix of the load balancer (for the request-count scaling policy)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "ARN suffix of the target group (for the request-count scaling policy)."
  type        = string
}

variable "container_port" {
  description = "Port the container listens on (also passed to it as PORT)."
  type        = number

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be between 1024 and 65535 (the container runs as a non-root user)."
  }
}

variable "cpu" {
  description = "Task CPU units (1024 = 1 vCPU)."
  type        = number

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate CPU size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB (a valid Fargate combination with cpu)."
  type        = number

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory must be between 512 and 122880 MiB."
  }
}

variable "runtime_user" {
  description = "Numeric non-root user (uid or uid:gid) the container runs as."
  type        = string
  default     = "65532"

  validation {
    condition     = can(regex("^[1-9][0-9]*(:[0-9]+)?$", var.runtime_user))
    error_message = "runtime_user must be a numeric, non-root uid (optionally uid:gid)."
  }
}

variable "environment" {
  description = "Plain (non-secret) environment variables of the container. Secrets are passed as ARNs and read at runtime."
  type        = map(string)

  validation {
    condition     = alltrue([for k in keys(var.environment) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "environment keys must be upper-case variable names."
  }
}

variable "secret_arns" {
  description = "Secrets the application reads at runtime (the task role gets GetSecretValue/DescribeSecret on exactly these)."
  type        = list(string)
  default     = []
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key: encrypts the log group and the secrets (the task role may decrypt through Secrets Manager only)."
  type        = string
}

variable "healthcheck_command" {
  description = "Container health check command (exec form, probes the liveness path)."
  type        = list(string)

  validation {
    condition     = length(var.healthcheck_command) >= 2 && contains(["CMD", "CMD-SHELL"], var.healthcheck_command[0])
    error_message = "healthcheck_command must start with CMD or CMD-SHELL followed by the command."
  }
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores load balancer health checks after a task starts (above the cold-start time)."
  type        = number
  default     = 60

  validation {
    condition     = var.health_check_grace_period_seconds >= 30 && var.health_check_grace_period_seconds <= 600
    error_message = "health_check_grace_period_seconds must be between 30 and 600."
  }
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL; the service drains within it."
  type        = number
  default     = 30

  validation {
    condition     = var.stop_timeout >= 2 && var.stop_timeout <= 120
    error_message = "stop_timeout must be between 2 and 120 seconds (the Fargate maximum)."
  }
}

variable "min_capacity" {
  description = "Minimum number of tasks (autoscaling floor and initial desired count)."
  type        = number

  validation {
    condition     = var.min_capacity >= 1
    error_message = "min_capacity must be at least 1."
  }
}

variable "max_capacity" {
  description = "Maximum number of tasks (autoscaling ceiling)."
  type        = number

  validation {
    condition     = var.max_capacity >= 1 && var.max_capacity <= 200
    error_message = "max_capacity must be between 1 and 200."
  }
}

variable "cpu_target" {
  description = "Target average CPU utilisation (percent) of the target-tracking policy."
  type        = number

  validation {
    condition     = var.cpu_target >= 20 && var.cpu_target <= 90
    error_message = "cpu_target must be between 20 and 90."
  }
}

variable "memory_target" {
  description = "Target average memory utilisation (percent) of the target-tracking policy."
  type        = number
  default     = 80

  validation {
    condition     = var.memory_target >= 20 && var.memory_target <= 90
    error_message = "memory_target must be between 20 and 90."
  }
}

variable "requests_per_target" {
  description = "Target ALB requests per task per minute (ALBRequestCountPerTarget)."
  type        = number
  default     = 1000

  validation {
    condition     = var.requests_per_target >= 10
    error_message = "requests_per_target must be at least 10."
  }
}

variable "scale_in_cooldown" {
  description = "Seconds after a scale-in before another scale-in."
  type        = number
  default     = 300
}

variable "scale_out_cooldown" {
  description = "Seconds after a scale-out before another scale-out."
  type        = number
  default     = 60
}

variable "log_retention_days" {
  description = "Retention of the container log group in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (for example 365)."
  }
}

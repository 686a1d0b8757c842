variable "name" {
  description = "Name of the load balancer and its web ACL (names[env].alb); at most 32 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$", var.name)) && !startswith(var.name, "internal-")
    error_message = "name must be 2 to 32 letters, digits and hyphens, not starting with internal-."
  }
}

variable "target_group_name" {
  description = "Name of the target group (names[env].target_group); at most 32 characters."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$", var.target_group_name))
    error_message = "target_group_name must be 2 to 32 letters, digits and hyphens."
  }
}

variable "security_group_name" {
  description = "Name of the load balancer's security group (names[env].alb_security_group)."
  type        = string
}

variable "access_logs_bucket_prefix" {
  description = "Prefix of the access-log bucket name; AWS appends a unique suffix (at most 37 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{2,36}$", var.access_logs_bucket_prefix))
    error_message = "access_logs_bucket_prefix must be 3 to 37 lowercase letters, digits and hyphens."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer and the target group."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2
    error_message = "public_subnet_ids must hold at least two subnets in different availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener, in the load balancer's region. Empty: no HTTPS listener, port 80 serves plain HTTP."
  type        = string
  default     = ""

  validation {
    condition     = var.certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN, or empty."
  }
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener (TLS 1.3 and 1.2 only)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "container_port" {
  description = "Port the tasks listen on (the target group's port)."
  type        = number

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be between 1024 and 65535."
  }
}

variable "health_check_path" {
  description = "Shallow liveness path the target group probes (health_live_path)."
  type        = string

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "deletion_protection" {
  description = "Protect the load balancer from deletion (env_config[env].deletion_protection)."
  type        = bool
}

variable "access_log_expiration_days" {
  description = "Days after which access-log objects are deleted."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_expiration_days >= 30
    error_message = "access_log_expiration_days must be at least 30."
  }
}

variable "waf_rate_limit" {
  description = "Requests per client IP in any 5-minute window before the web ACL blocks the IP."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 100
    error_message = "waf_rate_limit must be at least 100 (the WAFv2 minimum)."
  }
}

variable "log_retention_days" {
  description = "Retention of the WAF log group in days."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key that encrypts the WAF log group."
  type        = string
}

variable "web_acl_name" {
  description = "Name of the WAF web ACL (names[env].waf_web_acl)."
  type        = string
}

variable "waf_log_group_name" {
  description = "Log group of the WAF logs (names[env].waf_log_group); WAF requires the aws-waf-logs- prefix."
  type        = string

  validation {
    condition     = startswith(var.waf_log_group_name, "aws-waf-logs-") && length(var.waf_log_group_name) <= 512
    error_message = "waf_log_group_name must start with aws-waf-logs- and be at most 512 characters."
  }
}

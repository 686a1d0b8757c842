variable "address_name" {
  description = "Name of the global IP address (names[env].lb_address)."
  type        = string
}

variable "neg_name" {
  description = "Name of the serverless network endpoint group (names[env].lb_neg)."
  type        = string
}

variable "backend_name" {
  description = "Name of the backend service (names[env].lb_backend)."
  type        = string
}

variable "url_map_name" {
  description = "Name of the URL map of the HTTPS load balancer (names[env].lb_url_map)."
  type        = string
}

variable "https_proxy_name" {
  description = "Name of the target HTTPS proxy and its forwarding rule (names[env].lb_https_proxy)."
  type        = string
}

variable "http_redirect_name" {
  description = "Name of the URL map, target HTTP proxy and forwarding rule that redirect HTTP to HTTPS (names[env].lb_http_redirect)."
  type        = string
}

variable "certificate_name" {
  description = "Name of the Google-managed certificate (names[env].lb_certificate)."
  type        = string
}

variable "ssl_policy_name" {
  description = "Name of the SSL policy (names[env].ssl_policy)."
  type        = string
}

variable "security_policy_name" {
  description = "Name of the Cloud Armor policy (names[env].security_policy)."
  type        = string
}

variable "region" {
  description = "Region of the Cloud Run service (and of the serverless NEG)."
  type        = string
}

variable "cloud_run_service_name" {
  description = "Cloud Run service the load balancer routes every request to."
  type        = string
}

variable "domain_name" {
  description = "Public DNS name the managed certificate covers; its A record must point at ip_address."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name."
  }
}

variable "rate_limit_per_minute" {
  description = "Requests per minute one client IP may send before Cloud Armor answers 429."
  type        = number
  default     = 1200

  validation {
    condition     = var.rate_limit_per_minute >= 60
    error_message = "rate_limit_per_minute must be at least 60."
  }
}

variable "waf_sensitivity" {
  description = "Sensitivity level (1 to 4) of the preconfigured OWASP WAF rules; 1 has the fewest false positives."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2, 3, 4], var.waf_sensitivity)
    error_message = "waf_sensitivity must be 1, 2, 3 or 4."
  }
}

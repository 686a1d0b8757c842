variable "name" {
  description = "Name of the VPC (names[env].vpc); prefixes its subnets, gateways and route tables."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.name))
    error_message = "name must be 3 to 41 lowercase letters, digits and hyphens."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC, a /16 to /20; split into eight equal subnets (public and private per AZ)."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) >= 16 && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be an IPv4 CIDR block from /16 to /20."
  }
}

variable "availability_zones" {
  description = "Availability zones (names, such as eu-west-1a) to spread the subnets and the tasks over. Pinned, so a new AZ never reshapes the network."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list 2 to 4 distinct zones: the service needs at least two."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all AZs (cheaper, for non-production) instead of one per AZ."
  type        = bool
  default     = false
}

variable "flow_log_group_name" {
  description = "CloudWatch log group that receives the VPC flow logs (names[env].flow_log_group)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the flow log group in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (for example 365)."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key that encrypts the flow log group."
  type        = string
}

variable "flow_log_role_name" {
  description = "Name of the IAM role VPC flow logs write with (names[env].flow_log_role)."
  type        = string
}

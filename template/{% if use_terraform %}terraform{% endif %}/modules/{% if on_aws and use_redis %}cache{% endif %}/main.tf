# ElastiCache for Redis OSS: encrypted in transit (TLS required) and at rest with the
# service's key, AUTH token required, replica with automatic failover where multi_az.
#
# The AUTH token is generated here (random_password), never typed into tfvars or code. It
# reaches Secrets Manager through the write-only secret_string_wo, so the secret version
# keeps no copy in state. The replication group's auth_token has no write-only variant in
# the AWS provider (6.25), so the token is also in the state file: the state bucket is
# KMS-encrypted and access-controlled (see ../../README.md). Rotate it with
# the ROTATE auth token update strategy (runbook: secret rotation).

locals {
  port               = 6379
  num_cache_clusters = var.multi_az ? 2 : 1
}

data "aws_caller_identity" "current" {}

resource "aws_elasticache_subnet_group" "this" {
  name        = var.subnet_group_name
  description = "Private subnets of ${var.replication_group_id}"
  subnet_ids  = var.subnet_ids
}

resource "aws_security_group" "cache" {
  name        = var.security_group_name
  description = "Redis ${var.replication_group_id}: connections from the service's tasks only."
  vpc_id      = var.vpc_id

  tags = {
    Name = var.security_group_name
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_service" {
  security_group_id            = aws_security_group.cache.id
  description                  = "Redis (TLS) from the service's tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "service_to_cache" {
  security_group_id            = var.client_security_group_id
  description                  = "Service tasks to Redis (TLS)"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.cache.id
}

resource "random_password" "auth_token" {
  length  = 64
  special = false
}

resource "aws_secretsmanager_secret" "auth" {
  #checkov:skip=CKV2_AWS_57:ElastiCache AUTH tokens have no managed rotation Lambda; rotation is the runbook's ROTATE procedure.
  name                    = var.auth_secret_name
  description             = "AUTH token of the ${var.replication_group_id} Redis replication group."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
}

data "aws_iam_policy_document" "auth_secret" {
  statement {
    sid       = "DenyOutsideAccount"
    effect    = "Deny"
    actions   = ["secretsmanager:*"]
    resources = ["*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringNotEquals"
      variable = "aws:PrincipalAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_secretsmanager_secret_policy" "auth" {
  secret_arn          = aws_secretsmanager_secret.auth.arn
  policy              = data.aws_iam_policy_document.auth_secret.json
  block_public_policy = true
}

resource "aws_secretsmanager_secret_version" "auth" {
  secret_id                = aws_secretsmanager_secret.auth.id
  secret_string_wo         = random_password.auth_token.result
  secret_string_wo_version = 1
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = var.slow_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_elasticache_replication_group" "this" {
  #checkov:skip=CKV2_AWS_50:Automatic failover follows env_config multi_az: on in prod, off in single-node non-production environments.
  replication_group_id = var.replication_group_id
  description          = "Redis cache of ${var.replication_group_id}"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  num_cache_clusters   = local.num_cache_clusters
  port                 = local.port
  parameter_group_name = "default.redis7"
  subnet_group_name    = aws_elasticache_subnet_group.this.name
  security_group_ids   = [aws_security_group.cache.id]

  automatic_failover_enabled = var.multi_az
  multi_az_enabled           = var.multi_az

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  transit_encryption_mode    = "required"
  auth_token                 = random_password.auth_token.result
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.snapshot_retention_days
  snapshot_window            = "02:00-03:00"
  maintenance_window         = "sun:03:30-sun:04:30"
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }
}

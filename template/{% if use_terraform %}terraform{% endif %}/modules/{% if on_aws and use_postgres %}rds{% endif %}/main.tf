# RDS PostgreSQL 16: the master password is generated and rotated by RDS in Secrets Manager
# (never in code, tfvars or state), storage and Performance Insights are encrypted with the
# service's key, SSL is forced, and only the service's tasks can connect.

locals {
  port        = 5432
  log_exports = ["postgresql", "upgrade"]
}

resource "aws_db_subnet_group" "this" {
  name        = var.subnet_group_name
  description = "Private subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids
}

resource "aws_security_group" "db" {
  name        = var.security_group_name
  description = "PostgreSQL ${var.identifier}: connections from the service's tasks only."
  vpc_id      = var.vpc_id

  tags = {
    Name = var.security_group_name
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_service" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the service's tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "service_to_db" {
  security_group_id            = var.client_security_group_id
  description                  = "Service tasks to PostgreSQL"
  ip_protocol                  = "tcp"
  from_port                    = local.port
  to_port                      = local.port
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_db_parameter_group" "this" {
  name        = var.parameter_group_name
  family      = "postgres16"
  description = "PostgreSQL 16 settings of ${var.identifier}: SSL only, connection and slow-query logging."

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_statement_ms)
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name         = "max_connections"
    value        = tostring(var.max_connections)
    apply_method = "pending-reboot"
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Pre-created so that exported logs get the key and the retention (RDS would create them bare).
resource "aws_cloudwatch_log_group" "exports" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${var.identifier}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = var.monitoring_role_name
  description        = "Enhanced monitoring of ${var.identifier}."
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
}

data "aws_partition" "current" {}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.db_name
  port           = local.port

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  storage_type          = "gp3"
  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.max_allocated_storage
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az
  ca_cert_identifier     = "rds-ca-rsa2048-g1"

  iam_database_authentication_enabled = true

  backup_retention_period   = var.backup_retention_days
  backup_window             = "02:00-03:00"
  maintenance_window        = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = var.final_snapshot_identifier

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  engine_lifecycle_support    = "open-source-rds-extended-support-disabled"
  apply_immediately           = false

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = var.kms_key_arn
  performance_insights_retention_period = 7
  monitoring_interval                   = 60
  monitoring_role_arn                   = aws_iam_role.monitoring.arn
  enabled_cloudwatch_logs_exports       = local.log_exports

  depends_on = [aws_cloudwatch_log_group.exports, aws_iam_role_policy_attachment.monitoring]
}

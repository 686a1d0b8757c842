# Cloud SQL for PostgreSQL 16 with a private IP only, TLS required, IAM authentication,
# backups with point-in-time recovery and customer-managed encryption; the application
# database; a built-in user whose generated password goes straight into Secret Manager
# (write-only: neither the plan nor the state holds it); and an IAM user for the service
# account.

# Generated anew on every run; it only reaches the user and the secret when
# password_version changes, which keeps the two in step.
ephemeral "random_password" "db" {
  length           = 32
  special          = true
  override_special = "-_.~"
  min_lower        = 1
  min_upper        = 1
  min_numeric      = 1
  min_special      = 1
}

resource "google_sql_database_instance" "this" {
  # checkov:skip=CKV_GCP_6: TLS is required on every connection (ENCRYPTED_ONLY); client certificates would need the Auth Proxy, the service authenticates with a password or IAM over TLS
  # checkov:skip=CKV_GCP_79: PostgreSQL 16 is the major version the service is built and tested against on every cloud; move to a newer major with an in-place upgrade deliberately
  # checkov:skip=CKV2_GCP_13: log_duration would log a line for every statement; Query Insights records statement latency instead
  name                = var.instance_name
  region              = var.region
  database_version    = "POSTGRES_16"
  encryption_key_name = var.kms_key_id
  deletion_protection = var.deletion_protection

  settings {
    edition                     = "ENTERPRISE"
    tier                        = var.tier
    availability_type           = var.availability_type
    disk_type                   = "PD_SSD"
    disk_size                   = var.disk_size_gb
    disk_autoresize             = true
    disk_autoresize_limit       = var.disk_autoresize_limit_gb
    deletion_protection_enabled = var.deletion_protection
    retain_backups_on_delete    = var.deletion_protection
    connector_enforcement       = "NOT_REQUIRED"

    ip_configuration {
      ipv4_enabled                                  = false
      private_network                               = var.private_network
      allocated_ip_range                            = var.allocated_ip_range
      enable_private_path_for_google_cloud_services = true
      # TLS on every connection; the service connects with sslmode=require or stricter.
      ssl_mode = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      start_time                     = "02:00"
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = 7

      backup_retention_settings {
        retained_backups = var.backup_retention_days
        retention_unit   = "COUNT"
      }
    }

    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      query_string_length     = 1024
      record_application_tags = true
      record_client_address   = true
      query_plans_per_minute  = 5
    }

    password_validation_policy {
      enable_password_policy      = true
      min_length                  = 20
      complexity                  = "COMPLEXITY_DEFAULT"
      disallow_username_substring = true
    }

    # IAM login, connection sizing, and the logging the runbook's investigations rely on
    # (authentication failures appear through log_connections).
    database_flags {
      name  = "cloudsql.iam_authentication"
      value = "on"
    }
    database_flags {
      name  = "max_connections"
      value = tostring(var.max_connections)
    }
    database_flags {
      name  = "log_connections"
      value = "on"
    }
    database_flags {
      name  = "log_disconnections"
      value = "on"
    }
    database_flags {
      name  = "log_checkpoints"
      value = "on"
    }
    database_flags {
      name  = "log_lock_waits"
      value = "on"
    }
    database_flags {
      name  = "log_hostname"
      value = "on"
    }
    database_flags {
      name  = "log_temp_files"
      value = "0"
    }
    database_flags {
      name  = "log_min_messages"
      value = "warning"
    }
    database_flags {
      name  = "log_min_error_statement"
      value = "error"
    }
    # Statement latency comes from Query Insights; logging every statement's duration would
    # flood the log.
    database_flags {
      name  = "log_min_duration_statement"
      value = "-1"
    }
    database_flags {
      name  = "log_statement"
      value = "ddl"
    }
    database_flags {
      name  = "cloudsql.enable_pgaudit"
      value = "on"
    }
    database_flags {
      name  = "pgaudit.log"
      value = "role,ddl"
    }
    database_flags {
      name  = "log_executor_stats"
      value = "off"
    }
    database_flags {
      name  = "log_parser_stats"
      value = "off"
    }
    database_flags {
      name  = "log_planner_stats"
      value = "off"
    }
    database_flags {
      name  = "log_statement_stats"
      value = "off"
    }
  }
}

resource "google_sql_database" "this" {
  name     = var.db_name
  instance = google_sql_database_instance.this.name
  # Dropping the database with the instance still there would lose data: keep it.
  deletion_policy = "ABANDON"
}

resource "google_sql_user" "app" {
  name                = var.db_user
  instance            = google_sql_database_instance.this.name
  type                = "BUILT_IN"
  password_wo         = ephemeral.random_password.db.result
  password_wo_version = var.password_version
  # PostgreSQL refuses to drop a role that owns objects.
  deletion_policy = "ABANDON"
}

resource "google_sql_user" "iam" {
  name            = var.iam_user
  instance        = google_sql_database_instance.this.name
  type            = "CLOUD_IAM_SERVICE_ACCOUNT"
  deletion_policy = "ABANDON"
}

resource "google_project_iam_member" "client" {
  for_each = toset(["roles/cloudsql.client", "roles/cloudsql.instanceUser"])

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${var.client_service_account_email}"
}

resource "google_secret_manager_secret" "password" {
  secret_id           = var.password_secret_name
  deletion_protection = var.deletion_protection

  replication {
    user_managed {
      replicas {
        location = var.region

        customer_managed_encryption {
          kms_key_name = var.kms_key_id
        }
      }
    }
  }
}

resource "google_secret_manager_secret_version" "password" {
  secret                 = google_secret_manager_secret.password.id
  secret_data_wo         = ephemeral.random_password.db.result
  secret_data_wo_version = var.password_version
  # Older versions stay until rotation is confirmed; destroy them by hand afterwards.
  deletion_policy = "DISABLE"

  depends_on = [google_sql_user.app]
}

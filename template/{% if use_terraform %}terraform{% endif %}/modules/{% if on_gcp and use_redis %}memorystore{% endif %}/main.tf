# Memorystore for Redis 7 reached over private services access, with AUTH and TLS
# (server authentication), customer-managed encryption and RDB snapshots; the AUTH string,
# which Memorystore generates, is copied write-only into Secret Manager.

resource "google_redis_instance" "this" {
  name                    = var.instance_name
  display_name            = var.instance_name
  region                  = var.region
  tier                    = var.tier
  memory_size_gb          = var.memory_size_gb
  redis_version           = "REDIS_7_2"
  connect_mode            = "PRIVATE_SERVICE_ACCESS"
  authorized_network      = var.authorized_network
  reserved_ip_range       = var.reserved_ip_range
  auth_enabled            = true
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  customer_managed_key    = var.kms_key_id

  redis_configs = {
    maxmemory-policy = var.maxmemory_policy
  }

  persistence_config {
    persistence_mode    = "RDB"
    rdb_snapshot_period = "TWELVE_HOURS"
  }

  maintenance_policy {
    description = "Sunday night, outside business hours."

    weekly_maintenance_window {
      day = "SUNDAY"

      start_time {
        hours   = 3
        minutes = 0
        seconds = 0
        nanos   = 0
      }
    }
  }
}

resource "google_secret_manager_secret" "auth" {
  secret_id = var.auth_secret_name

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

resource "google_secret_manager_secret_version" "auth" {
  secret                 = google_secret_manager_secret.auth.id
  secret_data_wo         = google_redis_instance.this.auth_string
  secret_data_wo_version = var.auth_secret_version
  deletion_policy        = "DISABLE"
}

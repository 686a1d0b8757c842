# PostgreSQL 16 flexible server with private access only: it lives in a delegated subnet, its
# name resolves through a private DNS zone linked to the network, and it has no public
# endpoint. TLS is required, connections, disconnections and slow statements are logged to Log
# Analytics, backups are kept backup_retention_days (geo-redundant in prod) and prod runs a
# zone-redundant standby with automatic failover behind a CanNotDelete lock.
#
# Terraform generates the administrator password and writes it to the server through the
# write-only administrator_password_wo (never in the server's state) and to Key Vault
# through Azure Resource Manager. random_password keeps it in the state, which is why the state
# lives in a storage account reachable with Entra ID only.

resource "random_password" "administrator" {
  length           = 40
  special          = true
  override_special = "-_.~"
  min_lower        = 4
  min_upper        = 4
  min_numeric      = 4

  keepers = {
    version = var.password_version
  }
}

resource "azurerm_private_dns_zone" "this" {
  name                = var.private_dns_zone_name
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "this" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.this.name
  virtual_network_id    = var.virtual_network_id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_postgresql_flexible_server" "this" {
  # checkov:skip=CKV2_AZURE_57: private access through a delegated subnet and private DNS zone; private endpoints exist only for servers with public access
  name                              = var.server_name
  location                          = var.location
  resource_group_name               = var.resource_group_name
  version                           = var.postgres_version
  sku_name                          = var.sku_name
  storage_mb                        = var.storage_mb
  auto_grow_enabled                 = true
  zone                              = "1"
  delegated_subnet_id               = var.delegated_subnet_id
  private_dns_zone_id               = azurerm_private_dns_zone.this.id
  public_network_access_enabled     = false
  administrator_login               = var.administrator_login
  administrator_password_wo         = random_password.administrator.result
  administrator_password_wo_version = var.password_version
  backup_retention_days             = var.backup_retention_days
  geo_redundant_backup_enabled      = var.geo_redundant_backup
  tags                              = var.tags

  authentication {
    password_auth_enabled         = true
    active_directory_auth_enabled = false
  }

  dynamic "high_availability" {
    for_each = var.high_availability_mode == "Disabled" ? [] : [var.high_availability_mode]

    content {
      mode                      = high_availability.value
      standby_availability_zone = high_availability.value == "ZoneRedundant" ? "2" : null
    }
  }

  maintenance_window {
    day_of_week  = 0
    start_hour   = 3
    start_minute = 0
  }

  lifecycle {
    # A failover swaps the primary and standby zones; applying must not swap them back.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.this]
}

resource "azurerm_postgresql_flexible_server_database" "this" {
  name      = var.db_name
  server_id = azurerm_postgresql_flexible_server.this.id
  charset   = "UTF8"
  collation = "en_US.utf8"
}

locals {
  # Server parameters: TLS 1.2+ only, connection and slow-statement logging (the
  # authentication-failure alert reads these logs) and the connection ceiling.
  server_parameters = {
    require_secure_transport   = "on"
    ssl_min_protocol_version   = "TLSv1.2"
    log_connections            = "on"
    log_disconnections         = "on"
    log_min_duration_statement = tostring(var.log_min_duration_statement_ms)
    max_connections            = tostring(var.max_connections)
  }
}

resource "azurerm_postgresql_flexible_server_configuration" "this" {
  for_each = local.server_parameters

  name      = each.key
  server_id = azurerm_postgresql_flexible_server.this.id
  value     = each.value
}

resource "azurerm_monitor_diagnostic_setting" "this" {
  name                       = var.diagnostic_setting_name
  target_resource_id         = azurerm_postgresql_flexible_server.this.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category = "PostgreSQLLogs"
  }

  enabled_metric {
    category = "AllMetrics"
  }
}

resource "azurerm_management_lock" "this" {
  count = var.deletion_protection ? 1 : 0

  name       = var.lock_name
  scope      = azurerm_postgresql_flexible_server.this.id
  lock_level = "CanNotDelete"
  notes      = "Deletion protection of the ${var.server_name} database: remove this lock in code first."
}

# The password in Key Vault, written through Azure Resource Manager (control plane), so
# applying does not need the vault's private endpoint. The app reads it by name.
resource "azapi_resource" "password" {
  type      = "Microsoft.KeyVault/vaults/secrets@2023-07-01"
  name      = var.password_secret_name
  parent_id = var.key_vault_id
  tags      = merge(var.tags, { password-version = tostring(var.password_version) })

  body = {
    properties = {
      contentType = "text/plain"
      attributes = {
        enabled = true
      }
    }
  }

  sensitive_body = {
    properties = {
      value = random_password.administrator.result
    }
  }
}

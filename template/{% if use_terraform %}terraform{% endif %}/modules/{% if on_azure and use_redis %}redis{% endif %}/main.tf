# Azure Cache for Redis reachable only through a private endpoint: TLS 1.2 on port 6380, the
# plaintext port off, the public endpoint off. Standard runs a primary and a replica;
# Premium in prod puts them in two availability zones. The primary access key goes to Key
# Vault (through Azure Resource Manager); the app reads it by name.

resource "azurerm_redis_cache" "this" {
  name                               = var.name
  location                           = var.location
  resource_group_name                = var.resource_group_name
  sku_name                           = var.sku_name
  family                             = var.family
  capacity                           = var.capacity
  redis_version                      = "6"
  minimum_tls_version                = "1.2"
  non_ssl_port_enabled               = false
  public_network_access_enabled      = false
  access_keys_authentication_enabled = true
  zones                              = var.sku_name == "Premium" && var.zone_redundant ? ["1", "2"] : null
  tags                               = var.tags

  redis_configuration {
    maxmemory_policy = "volatile-lru"
  }

  patch_schedule {
    day_of_week    = "Sunday"
    start_hour_utc = 3
  }
}

resource "azurerm_private_dns_zone" "redis" {
  # The zone name is fixed by Azure for Azure Cache for Redis private endpoints.
  name                = "privatelink.redis.cache.windows.net"
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "redis" {
  name                  = var.virtual_network_name
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.redis.name
  virtual_network_id    = var.virtual_network_id
  registration_enabled  = false
  tags                  = var.tags
}

resource "azurerm_private_endpoint" "redis" {
  name                = var.private_endpoint_name
  location            = var.location
  resource_group_name = var.resource_group_name
  subnet_id           = var.private_endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = var.private_endpoint_name
    private_connection_resource_id = azurerm_redis_cache.this.id
    subresource_names              = ["redisCache"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = var.private_endpoint_name
    private_dns_zone_ids = [azurerm_private_dns_zone.redis.id]
  }
}

resource "azurerm_monitor_diagnostic_setting" "this" {
  name                       = var.diagnostic_setting_name
  target_resource_id         = azurerm_redis_cache.this.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category = "ConnectedClientList"
  }

  enabled_metric {
    category = "AllMetrics"
  }
}

# The primary access key in Key Vault, written through Azure Resource Manager (control plane).
# After regenerating the keys, re-run apply with -replace on this resource.
resource "azapi_resource" "password" {
  type      = "Microsoft.KeyVault/vaults/secrets@2023-07-01"
  name      = var.password_secret_name
  parent_id = var.key_vault_id
  tags      = var.tags

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
      value = azurerm_redis_cache.this.primary_access_key
    }
  }
}

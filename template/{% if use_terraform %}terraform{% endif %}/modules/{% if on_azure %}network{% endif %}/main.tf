# One virtual network per environment, carved from address_space (a /16 to /20):
#   apps       /23 at the start: the Container Apps environment (workload profiles need at
#              least a /27; a /23 leaves room for scaling out and for zone redundancy)
#   db         /27 after it: delegated to PostgreSQL flexible server (private access)
#   endpoints  /27 after that: private endpoints of Key Vault and Redis
# Each subnet has its own network security group; the database and the endpoints accept
# traffic from the apps subnet only (and Key Vault from inside the network).

locals {
  prefix_length    = tonumber(split("/", var.address_space)[1])
  apps_prefix      = cidrsubnet(var.address_space, 23 - local.prefix_length, 0)
  db_prefix        = cidrsubnet(var.address_space, 27 - local.prefix_length, 16)
  endpoints_prefix = cidrsubnet(var.address_space, 27 - local.prefix_length, 17)
}

resource "azurerm_virtual_network" "this" {
  name                = var.vnet_name
  location            = var.location
  resource_group_name = var.resource_group_name
  address_space       = [var.address_space]
  tags                = var.tags
}

# --- apps: the Container Apps environment (workload profiles), public ingress on 443.

resource "azurerm_subnet" "apps" {
  name                 = var.apps_subnet_name
  resource_group_name  = var.resource_group_name
  virtual_network_name = azurerm_virtual_network.this.name
  address_prefixes     = [local.apps_prefix]

  delegation {
    name = "container-apps"

    service_delegation {
      name    = "Microsoft.App/environments"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_network_security_group" "apps" {
  name                = var.apps_nsg_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_network_security_rule" "apps_https_in" {
  name                        = "allow-https-from-internet"
  description                 = "HTTPS to the environment's public ingress"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "443"
  source_address_prefix       = "Internet"
  destination_address_prefix  = local.apps_prefix
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.apps.name
}

resource "azurerm_network_security_rule" "apps_http_in" {
  # checkov:skip=CKV_AZURE_160: port 80 only answers with a redirect to HTTPS (allow_insecure_connections is false) and serves managed-certificate HTTP validation
  name                        = "allow-http-redirect-from-internet"
  description                 = "HTTP, answered only with a redirect to HTTPS"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "80"
  source_address_prefix       = "Internet"
  destination_address_prefix  = local.apps_prefix
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.apps.name
}

resource "azurerm_subnet_network_security_group_association" "apps" {
  subnet_id                 = azurerm_subnet.apps.id
  network_security_group_id = azurerm_network_security_group.apps.id
}

# --- db: delegated to PostgreSQL flexible server; PostgreSQL from the apps subnet only.

resource "azurerm_subnet" "db" {
  name                            = var.db_subnet_name
  resource_group_name             = var.resource_group_name
  virtual_network_name            = azurerm_virtual_network.this.name
  address_prefixes                = [local.db_prefix]
  default_outbound_access_enabled = false

  delegation {
    name = "postgresql-flexible-server"

    service_delegation {
      name    = "Microsoft.DBforPostgreSQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_network_security_group" "db" {
  name                = var.db_nsg_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_network_security_rule" "db_from_apps" {
  name                        = "allow-postgres-from-apps"
  description                 = "PostgreSQL from the Container Apps subnet"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = tostring(var.postgres_port)
  source_address_prefix       = local.apps_prefix
  destination_address_prefix  = local.db_prefix
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.db.name
}

resource "azurerm_network_security_rule" "db_within_subnet" {
  name                        = "allow-within-db-subnet"
  description                 = "Replication between the primary and the zone-redundant standby"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = local.db_prefix
  destination_address_prefix  = local.db_prefix
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.db.name
}

resource "azurerm_network_security_rule" "db_deny_vnet" {
  name                        = "deny-other-vnet-traffic"
  description                 = "Nothing else in the network reaches the database"
  priority                    = 4000
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "VirtualNetwork"
  destination_address_prefix  = "*"
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.db.name
}

resource "azurerm_subnet_network_security_group_association" "db" {
  subnet_id                 = azurerm_subnet.db.id
  network_security_group_id = azurerm_network_security_group.db.id
}

# --- endpoints: private endpoints (network policies on, so the NSG applies to them).

resource "azurerm_subnet" "endpoints" {
  name                              = var.endpoints_subnet_name
  resource_group_name               = var.resource_group_name
  virtual_network_name              = azurerm_virtual_network.this.name
  address_prefixes                  = [local.endpoints_prefix]
  default_outbound_access_enabled   = false
  private_endpoint_network_policies = "Enabled"
}

resource "azurerm_network_security_group" "endpoints" {
  name                = var.endpoints_nsg_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_network_security_rule" "endpoints_key_vault" {
  name                        = "allow-key-vault-from-vnet"
  description                 = "Key Vault (HTTPS) from inside the network: the app and an in-network deploy runner"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "443"
  source_address_prefix       = "VirtualNetwork"
  destination_address_prefix  = local.endpoints_prefix
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.endpoints.name
}

resource "azurerm_network_security_rule" "endpoints_redis" {
  name                        = "allow-redis-tls-from-apps"
  description                 = "Redis over TLS from the Container Apps subnet"
  priority                    = 110
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "6380"
  source_address_prefix       = local.apps_prefix
  destination_address_prefix  = local.endpoints_prefix
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.endpoints.name
}

resource "azurerm_network_security_rule" "endpoints_deny_vnet" {
  name                        = "deny-other-vnet-traffic"
  description                 = "Nothing else in the network reaches the private endpoints"
  priority                    = 4000
  direction                   = "Inbound"
  access                      = "Deny"
  protocol                    = "*"
  source_port_range           = "*"
  destination_port_range      = "*"
  source_address_prefix       = "VirtualNetwork"
  destination_address_prefix  = "*"
  resource_group_name         = var.resource_group_name
  network_security_group_name = azurerm_network_security_group.endpoints.name
}

resource "azurerm_subnet_network_security_group_association" "endpoints" {
  subnet_id                 = azurerm_subnet.endpoints.id
  network_security_group_id = azurerm_network_security_group.endpoints.id
}

output "vnet_id" {
  description = "ID of the virtual network."
  value       = azurerm_virtual_network.this.id
}

output "vnet_name" {
  description = "Name of the virtual network."
  value       = azurerm_virtual_network.this.name
}

output "apps_subnet_id" {
  description = "Subnet of the Container Apps environment (with its NSG attached)."
  value       = azurerm_subnet_network_security_group_association.apps.subnet_id
}

output "db_subnet_id" {
  description = "Subnet delegated to the PostgreSQL flexible server (with its NSG attached)."
  value       = azurerm_subnet_network_security_group_association.db.subnet_id
}

output "endpoints_subnet_id" {
  description = "Subnet of the private endpoints (with its NSG attached)."
  value       = azurerm_subnet_network_security_group_association.endpoints.subnet_id
}

output "address_prefixes" {
  description = "Address prefix of each subnet, by role (apps, db, endpoints)."
  value = {
    apps      = local.apps_prefix
    db        = local.db_prefix
    endpoints = local.endpoints_prefix
  }
}

terraform {
  required_version = ">= 1.11"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = ">= 4.55"
    }
    azapi = {
      source  = "Azure/azapi"
      version = ">= 2.5"
    }
  }
}

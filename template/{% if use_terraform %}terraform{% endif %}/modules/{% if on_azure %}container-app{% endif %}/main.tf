# The service on Azure Container Apps: a VNet-integrated, workload-profile environment
# (zone-redundant in prod) logging to Log Analytics; one Container App in single-revision mode
# with external HTTPS-only ingress, startup, liveness and readiness probes on the liveness
# path, and KEDA scale rules on CPU and concurrent requests between min_replicas and
# max_replicas. It pulls from its own registry and reads its own Key Vault secrets with a
# user-assigned identity that may do exactly that.

locals {
  image = "${azurerm_container_registry.this.login_server}/${var.image_repository}:${var.image_tag}"
  # The Azure SDK's DefaultAzureCredential picks the user-assigned identity by this client id.
  environment = merge(var.environment, {
    AZURE_CLIENT_ID = azurerm_user_assigned_identity.this.client_id
  })
}

resource "azurerm_user_assigned_identity" "this" {
  name                = var.identity_name
  location            = var.location
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

# --- Registry: CI pushes with its Entra ID identity; the app pulls with its own (AcrPull).

resource "azurerm_container_registry" "this" {
  # checkov:skip=CKV_AZURE_139: CI pushes from GitHub-hosted runners over the public endpoint, authenticated with Entra ID (admin user and anonymous pull are off)
  # checkov:skip=CKV_AZURE_164: Docker Content Trust is deprecated in ACR; images are immutable git-SHA tags pushed by CI only
  # checkov:skip=CKV_AZURE_165: the service runs in one region; geo-replication would only add cost
  # checkov:skip=CKV_AZURE_166: quarantine blocks every pull until an external scanner releases the image; nothing here releases images
  name                          = var.registry_name
  location                      = var.location
  resource_group_name           = var.resource_group_name
  sku                           = "Premium"
  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = true
  data_endpoint_enabled         = true
  zone_redundancy_enabled       = true
  retention_policy_in_days      = var.registry_retention_days
  tags                          = var.tags
}

resource "azurerm_role_assignment" "acr_pull" {
  scope                            = azurerm_container_registry.this.id
  role_definition_name             = "AcrPull"
  principal_id                     = azurerm_user_assigned_identity.this.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

# --- Secrets: Key Vault Secrets User on each of the service's secrets, never on the vault.

resource "azurerm_role_assignment" "secrets_user" {
  for_each = var.key_vault_secret_ids

  scope                            = each.value
  role_definition_name             = "Key Vault Secrets User"
  principal_id                     = azurerm_user_assigned_identity.this.principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

# --- Environment and app.

resource "azurerm_container_app_environment" "this" {
  name                               = var.environment_name
  location                           = var.location
  resource_group_name                = var.resource_group_name
  infrastructure_resource_group_name = var.infrastructure_resource_group_name
  infrastructure_subnet_id           = var.infrastructure_subnet_id
  internal_load_balancer_enabled     = false
  zone_redundancy_enabled            = var.zone_redundant
  logs_destination                   = "log-analytics"
  log_analytics_workspace_id         = var.log_analytics_workspace_id
  tags                               = var.tags

  workload_profile {
    name                  = "Consumption"
    workload_profile_type = "Consumption"
  }
}

resource "azurerm_container_app" "this" {
  name                         = var.app_name
  container_app_environment_id = azurerm_container_app_environment.this.id
  resource_group_name          = var.resource_group_name
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"
  max_inactive_revisions       = 20
  tags                         = var.tags

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.this.id]
  }

  registry {
    server   = azurerm_container_registry.this.login_server
    identity = azurerm_user_assigned_identity.this.id
  }

  ingress {
    external_enabled           = true
    target_port                = var.container_port
    transport                  = "auto"
    allow_insecure_connections = false

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas                     = var.min_replicas
    max_replicas                     = var.max_replicas
    termination_grace_period_seconds = var.termination_grace_period_seconds

    container {
      name   = var.container_name
      image  = local.image
      cpu    = var.cpu / 1024
      memory = format("%gGi", var.memory / 1024)

      dynamic "env" {
        for_each = sort(keys(local.environment))

        content {
          name  = env.value
          value = local.environment[env.value]
        }
      }

      # All probes hit the shallow liveness path: a database outage must not restart
      # replicas or take every one of them out of the load balancer. Startup allows about
      # 50 s (10 failures, 5 s apart); Azure caps every failure threshold at 10.
      startup_probe {
        transport               = "HTTP"
        path                    = var.health_live_path
        port                    = var.container_port
        initial_delay           = 3
        interval_seconds        = 5
        timeout                 = 3
        failure_count_threshold = 10
      }

      liveness_probe {
        transport               = "HTTP"
        path                    = var.health_live_path
        port                    = var.container_port
        interval_seconds        = 10
        timeout                 = 5
        failure_count_threshold = 3
      }

      readiness_probe {
        transport               = "HTTP"
        path                    = var.health_live_path
        port                    = var.container_port
        interval_seconds        = 5
        timeout                 = 3
        failure_count_threshold = 3
        success_count_threshold = 1
      }
    }

    custom_scale_rule {
      name             = "cpu"
      custom_rule_type = "cpu"
      metadata = {
        type  = "Utilization"
        value = tostring(var.cpu_target)
      }
    }

    http_scale_rule {
      name                = "http-concurrency"
      concurrent_requests = tostring(var.concurrent_requests)
    }
  }

  # The identity must be able to pull the image and read its secrets before the first
  # revision starts.
  depends_on = [
    azurerm_role_assignment.acr_pull,
    azurerm_role_assignment.secrets_user,
  ]
}

# The custom domain: bind a managed certificate once its CNAME and asuid TXT records exist
# (see terraform/README.md). Azure issues and renews that certificate, so Terraform ignores it.
resource "azurerm_container_app_custom_domain" "this" {
  count = var.domain_name == "" ? 0 : 1

  name             = var.domain_name
  container_app_id = azurerm_container_app.this.id

  lifecycle {
    ignore_changes = [certificate_binding_type, container_app_environment_certificate_id]
  }
}

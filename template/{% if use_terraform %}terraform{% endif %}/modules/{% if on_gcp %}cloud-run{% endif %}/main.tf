# The service's own service account, the Artifact Registry repository its images live in, and
# the Cloud Run service: regional, reachable through the load balancer only (or on its run.app
# URL where an environment has no domain), egress to private ranges through the VPC, probed
# on the liveness path.

locals {
  # Cloud Run wants "1", "2", ... vCPU and "<n>Mi" memory.
  cpu_limit    = tostring(var.cpu / 1024)
  memory_limit = "${var.memory}Mi"
  # What the service account may do in the project besides reading its secrets.
  project_roles = toset([
    "roles/logging.logWriter",
    "roles/monitoring.metricWriter",
    "roles/cloudtrace.agent",
  ])
}

resource "google_service_account" "this" {
  account_id   = var.service_account_id
  display_name = "Cloud Run service ${var.service_name}"
  description  = "Runs ${var.service_name}; reads exactly its own secrets."
}

resource "google_project_iam_member" "this" {
  for_each = local.project_roles

  project = var.project_id
  role    = each.value
  member  = "serviceAccount:${google_service_account.this.email}"
}

resource "google_secret_manager_secret_iam_member" "this" {
  for_each = var.secret_ids

  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.this.email}"
}

resource "google_artifact_registry_repository" "this" {
  repository_id          = var.artifact_repository
  location               = var.region
  format                 = "DOCKER"
  description            = "Images of ${var.service_name}, tagged with the git SHA."
  kms_key_name           = var.kms_key_id
  cleanup_policy_dry_run = false

  docker_config {
    immutable_tags = true
  }

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = var.repository_keep_versions
    }
  }

  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"

    condition {
      tag_state  = "UNTAGGED"
      older_than = "604800s"
    }
  }

  vulnerability_scanning_config {
    enablement_config = "INHERITED"
  }
}

resource "google_cloud_run_v2_service" "this" {
  name                = var.service_name
  location            = var.region
  description         = "Service ${var.service_name}."
  launch_stage        = "GA"
  deletion_protection = var.deletion_protection

  # A public service: the serverless NEG forwards unauthenticated requests (Cloud Armor
  # filters them first); without a domain the run.app URL is the public endpoint.
  ingress              = var.ingress
  invoker_iam_disabled = true

  template {
    service_account                  = google_service_account.this.email
    execution_environment            = "EXECUTION_ENVIRONMENT_GEN2"
    max_instance_request_concurrency = var.max_concurrency
    timeout                          = "${var.request_timeout_seconds}s"

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    # Direct VPC egress: private ranges (Cloud SQL, Memorystore) through the VPC, the
    # internet (Google APIs included) directly.
    vpc_access {
      egress = "PRIVATE_RANGES_ONLY"

      network_interfaces {
        network    = var.network_id
        subnetwork = var.subnet_id
      }
    }

    # The image runs as its numeric non-root USER (distroless nonroot, 65532); Cloud Run
    # keeps the image's user.
    containers {
      name  = var.container_name
      image = "${var.image}:${var.image_tag}"

      ports {
        container_port = var.container_port
      }

      resources {
        limits = {
          cpu    = local.cpu_limit
          memory = local.memory_limit
        }
        cpu_idle          = !var.cpu_always_allocated
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = var.environment

        content {
          name  = env.key
          value = env.value
        }
      }

      startup_probe {
        initial_delay_seconds = 0
        period_seconds        = 3
        timeout_seconds       = 2
        failure_threshold     = 20

        http_get {
          path = var.health_live_path
          port = var.container_port
        }
      }

      liveness_probe {
        period_seconds    = 15
        timeout_seconds   = 3
        failure_threshold = 3

        http_get {
          path = var.health_live_path
          port = var.container_port
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  # The service reads its secrets at start; grant access before the first revision.
  depends_on = [google_secret_manager_secret_iam_member.this, google_project_iam_member.this]
}

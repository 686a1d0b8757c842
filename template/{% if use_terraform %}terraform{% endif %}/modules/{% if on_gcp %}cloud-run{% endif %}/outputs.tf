output "service_name" {
  description = "Name of the Cloud Run service."
  value       = google_cloud_run_v2_service.this.name
}

output "service_id" {
  description = "Id (projects/<project>/locations/<region>/services/<name>) of the Cloud Run service."
  value       = google_cloud_run_v2_service.this.id
}

output "service_uri" {
  description = "run.app URL of the service (it answers only when ingress is INGRESS_TRAFFIC_ALL)."
  value       = google_cloud_run_v2_service.this.uri
}

output "latest_ready_revision" {
  description = "Revision currently serving (rollbacks route traffic back to an earlier one)."
  value       = google_cloud_run_v2_service.this.latest_ready_revision
}

output "service_account_email" {
  description = "E-mail of the service's service account."
  value       = google_service_account.this.email
}

output "artifact_repository" {
  description = "Id of the Artifact Registry repository."
  value       = google_artifact_registry_repository.this.repository_id
}

output "image" {
  description = "Image path without tag."
  value       = var.image
}

# External Application Load Balancer (EXTERNAL_MANAGED) in front of Cloud Run: a global
# address, a Google-managed certificate with a TLS 1.2+ policy, a serverless NEG, a backend
# service protected by Cloud Armor, and an HTTP listener that only redirects to HTTPS.

locals {
  waf_rules = {
    1100 = "sqli-v33-stable"
    1200 = "xss-v33-stable"
    1300 = "lfi-v33-stable"
    1400 = "rce-v33-stable"
    1500 = "rfi-v33-stable"
    1600 = "protocolattack-v33-stable"
    1700 = "scannerdetection-v33-stable"
    1800 = "sessionfixation-v33-stable"
  }
}

resource "google_compute_global_address" "this" {
  name         = var.address_name
  address_type = "EXTERNAL"
  ip_version   = "IPV4"
}

resource "google_compute_region_network_endpoint_group" "this" {
  name                  = var.neg_name
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = var.cloud_run_service_name
  }
}

resource "google_compute_security_policy" "this" {
  name        = var.security_policy_name
  description = "OWASP rules, Log4Shell and per-IP rate limiting in front of ${var.cloud_run_service_name}."
  type        = "CLOUD_ARMOR"

  adaptive_protection_config {
    layer_7_ddos_defense_config {
      enable = true
    }
  }

  advanced_options_config {
    json_parsing = "STANDARD"
    log_level    = "NORMAL"
  }

  rule {
    description = "Log4j2 message lookup (CVE-2021-44228)."
    action      = "deny(403)"
    priority    = 1000
    preview     = false

    match {
      expr {
        expression = "evaluatePreconfiguredWaf('cve-canary')"
      }
    }
  }

  dynamic "rule" {
    for_each = local.waf_rules

    content {
      description = "Preconfigured WAF rule set ${rule.value}."
      action      = "deny(403)"
      priority    = tonumber(rule.key)
      preview     = false

      match {
        expr {
          expression = "evaluatePreconfiguredWaf('${rule.value}', {'sensitivity': ${var.waf_sensitivity}})"
        }
      }
    }
  }

  rule {
    description = "At most ${var.rate_limit_per_minute} requests per minute per client IP."
    action      = "throttle"
    priority    = 2000

    match {
      versioned_expr = "SRC_IPS_V1"

      config {
        src_ip_ranges = ["*"]
      }
    }

    rate_limit_options {
      conform_action = "allow"
      exceed_action  = "deny(429)"
      enforce_on_key = "IP"

      rate_limit_threshold {
        count        = var.rate_limit_per_minute
        interval_sec = 60
      }
    }
  }

  rule {
    description = "Default: allow what no rule above denied."
    action      = "allow"
    priority    = 2147483647

    match {
      versioned_expr = "SRC_IPS_V1"

      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

resource "google_compute_backend_service" "this" {
  name                  = var.backend_name
  description           = "Cloud Run service ${var.cloud_run_service_name}."
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.this.id

  custom_response_headers = [
    "Strict-Transport-Security: max-age=31536000; includeSubDomains",
  ]

  backend {
    group = google_compute_region_network_endpoint_group.this.id
  }

  log_config {
    enable      = true
    sample_rate = 1
  }
}

# A different domain_name replaces the certificate under the same name, which Google refuses
# while the HTTPS proxy uses it: see README.md, "Changing the domain".
resource "google_compute_managed_ssl_certificate" "this" {
  name = var.certificate_name

  managed {
    domains = [var.domain_name]
  }
}

resource "google_compute_ssl_policy" "this" {
  name            = var.ssl_policy_name
  description     = "TLS 1.2 or newer with modern cipher suites."
  profile         = "MODERN"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_url_map" "this" {
  name            = var.url_map_name
  description     = "Every request to ${var.cloud_run_service_name}."
  default_service = google_compute_backend_service.this.id
}

resource "google_compute_target_https_proxy" "this" {
  name             = var.https_proxy_name
  url_map          = google_compute_url_map.this.id
  ssl_certificates = [google_compute_managed_ssl_certificate.this.id]
  ssl_policy       = google_compute_ssl_policy.this.id
}

resource "google_compute_global_forwarding_rule" "https" {
  name                  = var.https_proxy_name
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_protocol           = "TCP"
  ip_address            = google_compute_global_address.this.id
  port_range            = "443"
  target                = google_compute_target_https_proxy.this.id
}

# Port 80 only answers with a redirect to HTTPS.
resource "google_compute_url_map" "http_redirect" {
  name        = var.http_redirect_name
  description = "Redirect HTTP to HTTPS."

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "http_redirect" {
  name    = var.http_redirect_name
  url_map = google_compute_url_map.http_redirect.id
}

resource "google_compute_global_forwarding_rule" "http_redirect" {
  name                  = var.http_redirect_name
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_protocol           = "TCP"
  ip_address            = google_compute_global_address.this.id
  port_range            = "80"
  target                = google_compute_target_http_proxy.http_redirect.id
}

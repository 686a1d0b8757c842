//! HTTP-level health tests against a real PostgreSQL and Redis.
//!
//! `TEST_DATABASE_URL` (e.g. `postgresql://app@127.0.0.1:5432/app`) and `TEST_REDIS_URL`
//! (e.g. `redis://127.0.0.1:6379/0`) point at the servers; `make test` starts none itself.
//! Tests that need a server are skipped with a notice when its variable is unset, and fail
//! when `CI` is set (to anything but `false` or `0`).

// Test helpers may panic: a failed setup is a failed test.
#![allow(clippy::expect_used)]

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use service::app;
use service::config::Config;
use tower::ServiceExt;

/// The URL in `name`, or `None` (the test is skipped with a notice) when it is unset; with
/// `CI` set a missing server fails the test instead.
fn server(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if in_ci() => {
            panic!("{name} is not set: CI is set, so the integration tests may not be skipped")
        }
        _ => {
            // Straight to the stream: libtest captures `eprintln!` of passing tests.
            let _ = writeln!(
                std::io::stderr(),
                "notice: {name} is not set: its integration tests are skipped"
            );
            None
        }
    }
}

/// `CI` set to anything but empty, `0` or `false` (GitHub Actions sets `CI=true`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| {
        !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false"
        )
    })
}

/// A loopback port nothing listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}

/// A server that accepts connections and never answers.
async fn hanging_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// Configuration for `vars`, with a 300 ms check timeout and no result caching unless given.
fn config(vars: &[(&str, String)]) -> Config {
    let mut map: HashMap<String, String> = HashMap::from([
        ("HEALTH_CHECK_TIMEOUT_MS".to_owned(), "300".to_owned()),
        ("HEALTH_CACHE_TTL_MS".to_owned(), "0".to_owned()),
    ]);
    map.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    Config::from_map(&map).expect("valid config")
}

async fn get(config: &Config, path: &str) -> (StatusCode, Option<String>, String) {
    let (state, resources) = app::build_with_secrets(config, None)
        .await
        .expect("startup");
    let response = app::router(state)
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let cache_control = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    resources.close().await;
    (
        status,
        cache_control,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[cfg(any(feature = "postgres", feature = "redis"))]
fn check<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no {name} check in {body}"))
}

/// The variables for healthy servers, or `None` when one is not configured.
fn healthy_vars() -> Option<Vec<(&'static str, String)>> {
    let mut vars = Vec::new();
    if cfg!(feature = "postgres") {
        vars.push(("DATABASE_URL", server("TEST_DATABASE_URL")?));
    }
    if cfg!(feature = "redis") {
        vars.push(("REDIS_URL", server("TEST_REDIS_URL")?));
    }
    Some(vars)
}

#[tokio::test]
async fn live_is_shallow_and_not_cached() {
    // Dependencies that cannot answer (for 2 s) must not matter to liveness.
    let mut vars = vec![("HEALTH_CHECK_TIMEOUT_MS", "2000".to_owned())];
    if cfg!(feature = "postgres") {
        let url = format!("postgresql://app@127.0.0.1:{}/app", closed_port().await);
        vars.push(("DATABASE_URL", url));
    }
    if cfg!(feature = "redis") {
        let url = format!("redis://127.0.0.1:{}/0", hanging_server().await);
        vars.push(("REDIS_URL", url));
    }
    let started = Instant::now();
    let (status, cache_control, body) = get(&config(&vars), "/health/live").await;
    assert!(started.elapsed() < Duration::from_millis(1000));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cache_control.as_deref(), Some("no-store"));
    assert_eq!(body, r#"{"status":"healthy"}"#);
}

#[tokio::test]
async fn healthy_dependencies_give_200() {
    let Some(vars) = healthy_vars() else { return };
    let (status, cache_control, body) = get(&config(&vars), "/health").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(cache_control.as_deref(), Some("no-store"));
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["status"], "healthy");
    let checks = body["checks"].as_array().expect("checks");
    assert_eq!(
        checks.len(),
        usize::from(cfg!(feature = "postgres")) + usize::from(cfg!(feature = "redis"))
    );
    for c in checks {
        assert_eq!(c["status"], "healthy", "{c}");
        assert!(c["latency_ms"].is_u64());
        assert!(c.get("error").is_none());
    }
}

#[cfg(feature = "postgres")]
#[tokio::test]
async fn database_down_gives_503_without_details() {
    let Some(mut vars) = healthy_vars() else {
        return;
    };
    let port = closed_port().await;
    let marker = "hunter2";
    vars.retain(|(k, _)| *k != "DATABASE_URL");
    vars.push((
        "DATABASE_URL",
        format!("postgresql://app:{marker}@127.0.0.1:{port}/app"),
    ));
    let started = Instant::now();
    let (status, cache_control, raw) = get(&config(&vars), "/health").await;
    assert!(
        started.elapsed() < Duration::from_millis(300 + 700),
        "{raw}"
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(cache_control.as_deref(), Some("no-store"));
    let body: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(body["status"], "unhealthy");
    let database = check(&body, "database");
    assert_eq!(database["status"], "unhealthy");
    assert!(["timeout", "refused"].contains(&database["error"].as_str().unwrap_or("")));
    #[cfg(feature = "redis")]
    assert_eq!(check(&body, "redis")["status"], "healthy");
    for detail in ["127.0.0.1", &port.to_string(), marker, "postgresql", "app@"] {
        assert!(!raw.contains(detail), "body leaks {detail}: {raw}");
    }
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn redis_hanging_gives_503_within_the_timeout() {
    let Some(mut vars) = healthy_vars() else {
        return;
    };
    let port = hanging_server().await;
    vars.retain(|(k, _)| *k != "REDIS_URL");
    vars.push(("REDIS_URL", format!("redis://127.0.0.1:{port}/0")));
    let started = Instant::now();
    let (status, _, raw) = get(&config(&vars), "/health").await;
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(300 + 700), "{elapsed:?}");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = serde_json::from_str(&raw).expect("json");
    let redis = check(&body, "redis");
    assert_eq!(redis["status"], "unhealthy");
    assert_eq!(redis["error"], "timeout");
    #[cfg(feature = "postgres")]
    assert_eq!(check(&body, "database")["status"], "healthy");
    for detail in ["127.0.0.1", &port.to_string(), "redis://"] {
        assert!(!raw.contains(detail), "body leaks {detail}: {raw}");
    }
}

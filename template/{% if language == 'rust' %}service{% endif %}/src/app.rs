//! Router, shared state and the wiring from configuration to clients.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::config::Config;
use crate::defaults::{HEALTH_DEEP_PATH, HEALTH_LIVE_PATH};
use crate::health::{HealthChecker, Probe};
use crate::secrets::{AwsSecretsSource, RetryPolicy, SecretSource, SecretsCache};

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub health: Arc<HealthChecker>,
}

/// The HTTP routes. Health routes come first and carry no middleware.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(HEALTH_LIVE_PATH, get(live))
        .route(HEALTH_DEEP_PATH, get(deep))
        .with_state(state)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Shallow: the process is up and the runtime answers. No dependency calls.
async fn live() -> Response {
    no_store(Json(json!({ "status": "healthy" })).into_response())
}

/// Deep: 200 when every dependency answers in time, 503 otherwise.
async fn deep(State(state): State<AppState>) -> Response {
    let report = state.health.report().await;
    let status = if report.is_healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    no_store((status, Json(report.as_ref().clone())).into_response())
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[cfg(feature = "postgres")]
    #[error("database setup failed: {0}")]
    Database(#[from] crate::db::DbError),
    #[cfg(feature = "redis")]
    #[error("redis setup failed: {0}")]
    Redis(#[from] crate::cache::RedisError),
}

/// The clients the service holds; closed on shutdown.
#[derive(Clone, Debug, Default)]
pub struct Resources {
    #[cfg(feature = "postgres")]
    pub database: Option<crate::db::Database>,
    #[cfg(feature = "redis")]
    pub redis: Option<crate::cache::Redis>,
}

impl Resources {
    /// Closes the database pool (waiting for checked-out connections) and drops Redis.
    pub async fn close(self) {
        #[cfg(feature = "postgres")]
        if let Some(database) = self.database {
            database.close().await;
        }
        #[cfg(feature = "redis")]
        drop(self.redis);
    }
}

/// Builds the clients and the state from validated configuration. Secrets Manager is only
/// contacted when a secret ARN is configured.
pub async fn build(config: &Config) -> Result<(AppState, Resources), StartupError> {
    let secrets = if needs_secrets(config) {
        let source: Arc<dyn SecretSource> = Arc::new(AwsSecretsSource::from_env().await);
        Some(Arc::new(SecretsCache::new(
            source,
            config.secrets_ttl,
            RetryPolicy::default(),
        )))
    } else {
        None
    };
    build_with_secrets(config, secrets).await
}

#[cfg_attr(
    not(any(feature = "postgres", feature = "redis")),
    allow(unused_variables)
)]
fn needs_secrets(config: &Config) -> bool {
    #[cfg(feature = "postgres")]
    let database = matches!(
        config.database.source,
        crate::config::DatabaseSource::Secret { .. }
    );
    #[cfg(not(feature = "postgres"))]
    let database = false;
    #[cfg(feature = "redis")]
    let redis = config.redis.auth_secret_arn.is_some();
    #[cfg(not(feature = "redis"))]
    let redis = false;
    database || redis
}

/// As [`build`], with the secrets cache given (a fake in tests).
#[cfg_attr(
    not(any(feature = "postgres", feature = "redis")),
    allow(unused_variables)
)]
pub async fn build_with_secrets(
    config: &Config,
    secrets: Option<Arc<SecretsCache>>,
) -> Result<(AppState, Resources), StartupError> {
    let resources = Resources {
        #[cfg(feature = "postgres")]
        database: Some(
            crate::db::Database::connect(
                &config.database,
                secrets.clone(),
                config.health_check_timeout,
            )
            .await?,
        ),
        #[cfg(feature = "redis")]
        redis: Some(
            crate::cache::Redis::connect(
                &config.redis,
                secrets.clone(),
                config.health_check_timeout,
            )
            .await?,
        ),
    };
    let database: Option<Arc<dyn Probe>> = {
        #[cfg(feature = "postgres")]
        {
            resources
                .database
                .clone()
                .map(|db| Arc::new(crate::db::DatabaseProbe::new(db)) as Arc<dyn Probe>)
        }
        #[cfg(not(feature = "postgres"))]
        {
            None
        }
    };
    let redis: Option<Arc<dyn Probe>> = {
        #[cfg(feature = "redis")]
        {
            resources
                .redis
                .clone()
                .map(|r| Arc::new(crate::cache::RedisProbe::new(r)) as Arc<dyn Probe>)
        }
        #[cfg(not(feature = "redis"))]
        {
            None
        }
    };
    let health = HealthChecker::new(
        database,
        redis,
        config.health_check_timeout,
        config.health_cache_ttl,
    );
    Ok((
        AppState {
            health: Arc::new(health),
        },
        resources,
    ))
}

//! Redis client (TLS for `rediss://`, auth token from Secrets Manager) and its health probe.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::config::RedisConfig;
use crate::health::{FailureClass, Probe};
use crate::secrets::{BoxFuture, SecretError, SecretsCache};

#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    #[error("REDIS_URL is not a valid redis:// or rediss:// URL")]
    InvalidUrl,
    #[error("REDIS_AUTH_SECRET_ARN is set but no Secrets Manager client was configured")]
    NoSecretsClient,
    #[error("the Redis connection manager could not be created")]
    Manager,
    #[error(transparent)]
    Secret(#[from] SecretError),
}

struct Inner {
    url: String,
    auth_secret_arn: Option<String>,
    secrets: Option<Arc<SecretsCache>>,
    timeout: Duration,
    manager: RwLock<ConnectionManager>,
    refreshing: AtomicBool,
}

/// A shared, self-reconnecting Redis connection. Cheap to clone.
#[derive(Clone)]
pub struct Redis {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Prepares the connection without opening it: the service starts when Redis is down,
    /// and the deep health check reports it.
    pub async fn connect(
        config: &RedisConfig,
        secrets: Option<Arc<SecretsCache>>,
        timeout: Duration,
    ) -> Result<Self, RedisError> {
        let token = match (&config.auth_secret_arn, &secrets) {
            (None, _) => None,
            (Some(_), None) => return Err(RedisError::NoSecretsClient),
            (Some(arn), Some(secrets)) => Some(secrets.get(arn).await?),
        };
        let manager = manager(
            &config.url,
            token.as_ref().map(|t| t.expose().as_str()),
            timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                url: config.url.clone(),
                auth_secret_arn: config.auth_secret_arn.clone(),
                secrets,
                timeout,
                manager: RwLock::new(manager),
                refreshing: AtomicBool::new(false),
            }),
        })
    }

    /// A handle on the shared connection.
    pub fn connection(&self) -> ConnectionManager {
        self.inner
            .manager
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Fetches the auth token again, bypassing the cache, and reconnects with it.
    /// Called when Redis rejects the token (after a rotation). One at a time.
    pub fn refresh_credentials(&self) {
        let (Some(arn), Some(secrets)) = (
            self.inner.auth_secret_arn.clone(),
            self.inner.secrets.clone(),
        ) else {
            return;
        };
        if self.inner.refreshing.swap(true, Ordering::SeqCst) {
            return;
        }
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let result = match secrets.refresh(&arn).await {
                Ok(token) => manager(&inner.url, Some(token.expose()), inner.timeout),
                Err(err) => Err(RedisError::Secret(err)),
            };
            match result {
                Ok(manager) => {
                    *inner
                        .manager
                        .write()
                        .unwrap_or_else(PoisonError::into_inner) = manager;
                    tracing::info!(secret_id = arn.as_str(), "redis auth token reloaded");
                }
                Err(err) => tracing::error!(error = %err, "redis auth token reload failed"),
            }
            inner.refreshing.store(false, Ordering::SeqCst);
        });
    }
}

fn manager(
    url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<ConnectionManager, RedisError> {
    let mut client = redis::Client::open(url).map_err(|_| RedisError::InvalidUrl)?;
    if let Some(token) = token {
        let info = client.get_connection_info().clone();
        let settings = info.redis_settings().clone().set_password(token);
        client = redis::Client::open(info.set_redis_settings(settings))
            .map_err(|_| RedisError::InvalidUrl)?;
    }
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_secs(1));
    ConnectionManager::new_lazy_with_config(client, config).map_err(|_| RedisError::Manager)
}

/// Redis `PING` over the shared connection.
pub struct RedisProbe {
    redis: Redis,
}

impl RedisProbe {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

impl Probe for RedisProbe {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn probe(&self) -> BoxFuture<'_, Result<(), FailureClass>> {
        Box::pin(async move {
            let mut connection = self.redis.connection();
            let reply: Result<String, redis::RedisError> =
                redis::cmd("PING").query_async(&mut connection).await;
            match reply {
                Ok(_) => Ok(()),
                Err(err) => {
                    let class = classify(&err);
                    tracing::warn!(check = "redis", error = %err, "redis check failed");
                    if class == FailureClass::Auth {
                        self.redis.refresh_credentials();
                    }
                    Err(class)
                }
            }
        })
    }
}

/// The short class of a Redis error.
pub fn classify(err: &redis::RedisError) -> FailureClass {
    if err.kind() == redis::ErrorKind::AuthenticationFailed
        || matches!(err.code(), Some("NOAUTH" | "WRONGPASS" | "NOPERM"))
    {
        FailureClass::Auth
    } else if err.is_timeout() {
        FailureClass::Timeout
    } else if err.is_connection_refusal() {
        FailureClass::Refused
    } else {
        FailureClass::Error
    }
}

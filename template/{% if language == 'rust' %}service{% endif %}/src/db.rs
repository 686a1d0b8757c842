//! PostgreSQL pool built from the RDS secret (or `DATABASE_URL` locally), and its health probe.

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgSslMode};

use crate::config::{DatabaseConfig, DatabaseSource};
use crate::health::{FailureClass, Probe};
use crate::secrets::{BoxFuture, RdsSecret, SecretError, SecretsCache};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is not a valid PostgreSQL connection URL")]
    InvalidUrl,
    #[error("DB_HOST is required: the secret {secret_arn} does not carry a host")]
    MissingHost { secret_arn: String },
    #[error("DB_SECRET_ARN is set but no Secrets Manager client was configured")]
    NoSecretsClient,
    #[error(transparent)]
    Secret(#[from] SecretError),
}

/// Rebuilds the connection options from the secret after the database rejected them.
struct Credentials {
    secrets: Arc<SecretsCache>,
    secret_arn: String,
    host: Option<String>,
    port: Option<u16>,
    name: Option<String>,
    ssl_mode: Option<String>,
    ssl_root_cert: Option<String>,
    refreshing: AtomicBool,
}

impl Credentials {
    async fn options(&self, force: bool) -> Result<PgConnectOptions, DbError> {
        let secret = self.secrets.get_rds(&self.secret_arn, force).await?;
        options_from_secret(
            &secret,
            &self.secret_arn,
            self.host.as_deref(),
            self.port,
            self.name.as_deref(),
            Tls {
                mode: self.ssl_mode.as_deref(),
                root_cert: self.ssl_root_cert.as_deref(),
            },
        )
    }
}

fn options_from_secret(
    secret: &RdsSecret,
    secret_arn: &str,
    host: Option<&str>,
    port: Option<u16>,
    name: Option<&str>,
    tls: Tls<'_>,
) -> Result<PgConnectOptions, DbError> {
    let host = host
        .or(secret.host.as_deref())
        .ok_or_else(|| DbError::MissingHost {
            secret_arn: secret_arn.to_owned(),
        })?;
    let mut options = PgConnectOptions::new_without_pgpass()
        .host(host)
        .port(port.or(secret.port).unwrap_or(5432))
        .username(&secret.username)
        .password(secret.password.expose());
    if let Some(name) = name.or(secret.dbname.as_deref()) {
        options = options.database(name);
    }
    // Encrypted by default; the server certificate is verified when the RDS CA bundle is
    // shipped with the task (DB_SSL_ROOT_CERT).
    let default_mode = if tls.root_cert.is_some() {
        PgSslMode::VerifyFull
    } else {
        PgSslMode::Require
    };
    let mode = tls
        .mode
        .and_then(|m| PgSslMode::from_str(m).ok())
        .unwrap_or(default_mode);
    options = options.ssl_mode(mode);
    if let Some(ca) = tls.root_cert {
        options = options.ssl_root_cert(ca);
    }
    Ok(options)
}

/// TLS settings for connections built from the secret.
#[derive(Clone, Copy, Default)]
struct Tls<'a> {
    mode: Option<&'a str>,
    root_cert: Option<&'a str>,
}

/// The pool plus what it needs to follow a credential rotation.
#[derive(Clone)]
pub struct Database {
    pool: PgPool,
    credentials: Option<Arc<Credentials>>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("pool_size", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Builds the pool without connecting: the service starts even when the database is down,
    /// and the deep health check reports it.
    pub async fn connect(
        config: &DatabaseConfig,
        secrets: Option<Arc<SecretsCache>>,
        acquire_timeout: Duration,
    ) -> Result<Self, DbError> {
        let pool_options = PgPoolOptions::new()
            .max_connections(config.pool_size)
            .min_connections(0)
            .acquire_timeout(acquire_timeout)
            .idle_timeout(Duration::from_secs(300));
        match &config.source {
            DatabaseSource::Url(url) => {
                let options =
                    PgConnectOptions::from_str(url.expose()).map_err(|_| DbError::InvalidUrl)?;
                Ok(Self {
                    pool: pool_options.connect_lazy_with(options),
                    credentials: None,
                })
            }
            DatabaseSource::Secret {
                secret_arn,
                host,
                port,
                name,
                ssl_mode,
                ssl_root_cert,
            } => {
                let credentials = Arc::new(Credentials {
                    secrets: secrets.ok_or(DbError::NoSecretsClient)?,
                    secret_arn: secret_arn.clone(),
                    host: host.clone(),
                    port: *port,
                    name: name.clone(),
                    ssl_mode: ssl_mode.clone(),
                    ssl_root_cert: ssl_root_cert.clone(),
                    refreshing: AtomicBool::new(false),
                });
                let options = credentials.options(false).await?;
                Ok(Self {
                    pool: pool_options.connect_lazy_with(options),
                    credentials: Some(credentials),
                })
            }
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Fetches the secret again, bypassing the cache, and uses it for new connections.
    /// Called when the database rejects the password (after a rotation). One at a time.
    pub fn refresh_credentials(&self) {
        let Some(credentials) = self.credentials.clone() else {
            return;
        };
        if credentials.refreshing.swap(true, Ordering::SeqCst) {
            return;
        }
        let pool = self.pool.clone();
        tokio::spawn(async move {
            match credentials.options(true).await {
                Ok(options) => {
                    pool.set_connect_options(options);
                    tracing::info!(
                        secret_id = credentials.secret_arn.as_str(),
                        "database credentials reloaded"
                    );
                }
                Err(err) => tracing::error!(error = %err, "database credentials reload failed"),
            }
            credentials.refreshing.store(false, Ordering::SeqCst);
        });
    }

    /// Waits for checked-out connections to return and closes them all.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `SELECT 1` through the pool.
pub struct DatabaseProbe {
    database: Database,
}

impl DatabaseProbe {
    pub fn new(database: Database) -> Self {
        Self { database }
    }
}

impl Probe for DatabaseProbe {
    fn name(&self) -> &'static str {
        "database"
    }

    fn probe(&self) -> BoxFuture<'_, Result<(), FailureClass>> {
        Box::pin(async move {
            match sqlx::query("SELECT 1").execute(self.database.pool()).await {
                Ok(_) => Ok(()),
                Err(err) => {
                    let class = classify(&err);
                    tracing::warn!(check = "database", error = %err, "database check failed");
                    if class == FailureClass::Auth {
                        self.database.refresh_credentials();
                    }
                    Err(class)
                }
            }
        })
    }
}

/// The short class of a database error.
pub fn classify(err: &sqlx::Error) -> FailureClass {
    match err {
        sqlx::Error::PoolTimedOut => FailureClass::Timeout,
        sqlx::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused => FailureClass::Refused,
            std::io::ErrorKind::TimedOut => FailureClass::Timeout,
            _ => FailureClass::Error,
        },
        // 28P01 invalid_password, 28000 invalid_authorization_specification.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("28P01" | "28000")) => {
            FailureClass::Auth
        }
        _ => FailureClass::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::Secret;

    #[test]
    fn options_prefer_environment_over_secret_fields() {
        let secret = RdsSecret {
            username: "app_admin".to_owned(),
            password: Secret::new("pw".to_owned()),
            host: Some("secret-host".to_owned()),
            port: Some(6543),
            dbname: Some("secretdb".to_owned()),
        };
        let options = options_from_secret(
            &secret,
            "arn",
            Some("env-host"),
            None,
            Some("app"),
            Tls::default(),
        )
        .expect("ok");
        assert_eq!(options.get_host(), "env-host");
        assert_eq!(options.get_port(), 6543);
        assert_eq!(options.get_database(), Some("app"));
        assert_eq!(options.get_username(), "app_admin");
    }

    #[test]
    fn missing_host_is_an_error() {
        let secret = RdsSecret {
            username: "app_admin".to_owned(),
            password: Secret::new("pw".to_owned()),
            host: None,
            port: None,
            dbname: None,
        };
        let err = options_from_secret(&secret, "arn:db", None, None, None, Tls::default())
            .expect_err("no host");
        assert!(err.to_string().contains("DB_HOST"));
    }
}

//! Configuration from the environment, validated once at start.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

#[cfg(feature = "postgres")]
use crate::secrets::Secret;

/// A missing or malformed variable, named so the operator can fix the task definition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required but not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Where the database credentials come from.
#[cfg(feature = "postgres")]
#[derive(Clone, Debug)]
pub enum DatabaseSource {
    /// `DATABASE_URL`, for local development and tests only.
    Url(Secret<String>),
    /// The RDS secret named by `DB_SECRET_ARN`; host, port and name from `DB_HOST`, `DB_PORT`
    /// and `DB_NAME` (or from the secret when it carries them).
    Secret {
        secret_arn: String,
        host: Option<String>,
        port: Option<u16>,
        name: Option<String>,
        /// `DB_SSL_MODE`: `require` (encrypted) unless set; `verify-full` when
        /// `DB_SSL_ROOT_CERT` names the RDS CA bundle.
        ssl_mode: Option<String>,
        /// `DB_SSL_ROOT_CERT`: the RDS CA bundle used to verify the server certificate.
        ssl_root_cert: Option<String>,
    },
}

#[cfg(feature = "postgres")]
#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    pub source: DatabaseSource,
    /// `DB_POOL_SIZE`: keep tasks x pool size below the database's connection limit.
    pub pool_size: u32,
}

#[cfg(feature = "redis")]
#[derive(Clone, Debug)]
pub struct RedisConfig {
    /// `REDIS_URL`: `rediss://` (TLS) in AWS, `redis://` locally. Holds no password.
    pub url: String,
    /// `REDIS_AUTH_SECRET_ARN`: the secret holding the auth token, unset locally.
    pub auth_secret_arn: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `HOST`: listening address, all interfaces unless set.
    pub host: IpAddr,
    pub port: u16,
    pub environment: String,
    pub service_name: String,
    pub log_level: String,
    pub health_check_timeout: Duration,
    pub health_cache_ttl: Duration,
    pub secrets_ttl: Duration,
    #[cfg(feature = "postgres")]
    pub database: DatabaseConfig,
    #[cfg(feature = "redis")]
    pub redis: RedisConfig,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_map(&std::env::vars().collect())
    }

    /// Reads the given variables (the environment in the service, a map in tests).
    pub fn from_map(vars: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let env = Env(vars);
        Ok(Self {
            host: env
                .parse("HOST")?
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            port: env.parse("PORT")?.unwrap_or(crate::defaults::PORT),
            environment: env.get("ENVIRONMENT").unwrap_or("local").to_owned(),
            service_name: env
                .get("SERVICE_NAME")
                .unwrap_or(crate::defaults::SERVICE_NAME)
                .to_owned(),
            log_level: env.get("LOG_LEVEL").unwrap_or("info").to_owned(),
            health_check_timeout: env.millis("HEALTH_CHECK_TIMEOUT_MS", 1000, 1)?,
            health_cache_ttl: env.millis("HEALTH_CACHE_TTL_MS", 2000, 0)?,
            secrets_ttl: Duration::from_secs(
                env.parse("SECRETS_CACHE_TTL_SECONDS")?
                    .unwrap_or(crate::secrets::DEFAULT_TTL.as_secs()),
            ),
            #[cfg(feature = "postgres")]
            database: database_config(&env)?,
            #[cfg(feature = "redis")]
            redis: RedisConfig {
                url: env.require("REDIS_URL")?.to_owned(),
                auth_secret_arn: env.get("REDIS_AUTH_SECRET_ARN").map(str::to_owned),
            },
        })
    }
}

#[cfg(feature = "postgres")]
fn database_config(env: &Env<'_>) -> Result<DatabaseConfig, ConfigError> {
    let source = match env.get("DATABASE_URL") {
        Some(url) => DatabaseSource::Url(Secret::new(url.to_owned())),
        None => DatabaseSource::Secret {
            secret_arn: env.require("DB_SECRET_ARN")?.to_owned(),
            host: env.get("DB_HOST").map(str::to_owned),
            port: env.parse("DB_PORT")?,
            name: env.get("DB_NAME").map(str::to_owned),
            ssl_mode: ssl_mode(env)?,
            ssl_root_cert: env.get("DB_SSL_ROOT_CERT").map(str::to_owned),
        },
    };
    let pool_size: u32 = env.parse("DB_POOL_SIZE")?.unwrap_or(10);
    if pool_size == 0 {
        return Err(ConfigError::Invalid {
            name: "DB_POOL_SIZE",
            reason: "must be at least 1".to_owned(),
        });
    }
    Ok(DatabaseConfig { source, pool_size })
}

#[cfg(feature = "postgres")]
fn ssl_mode(env: &Env<'_>) -> Result<Option<String>, ConfigError> {
    const MODES: [&str; 5] = ["disable", "prefer", "require", "verify-ca", "verify-full"];
    match env.get("DB_SSL_MODE") {
        None => Ok(None),
        Some(mode) if MODES.contains(&mode) => Ok(Some(mode.to_owned())),
        Some(_) => Err(ConfigError::Invalid {
            name: "DB_SSL_MODE",
            reason: format!("expected one of {}", MODES.join(", ")),
        }),
    }
}

struct Env<'a>(&'a HashMap<String, String>);

impl Env<'_> {
    /// The value, treating an empty string as unset.
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    #[cfg_attr(not(any(feature = "postgres", feature = "redis")), allow(dead_code))]
    fn require(&self, name: &'static str) -> Result<&str, ConfigError> {
        self.get(name).ok_or(ConfigError::Missing(name))
    }

    fn parse<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, ConfigError> {
        self.get(name)
            .map(|raw| {
                raw.parse().map_err(|_| ConfigError::Invalid {
                    name,
                    reason: format!("expected a {}", short_type_name::<T>()),
                })
            })
            .transpose()
    }

    fn millis(&self, name: &'static str, default: u64, min: u64) -> Result<Duration, ConfigError> {
        let ms: u64 = self.parse(name)?.unwrap_or(default);
        if ms < min {
            return Err(ConfigError::Invalid {
                name,
                reason: format!("must be at least {min} milliseconds"),
            });
        }
        Ok(Duration::from_millis(ms))
    }
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn complete() -> Vec<(&'static str, &'static str)> {
        vec![
            ("PORT", "9090"),
            ("DATABASE_URL", "postgresql://app@127.0.0.1:5432/app"),
            ("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ]
    }

    #[test]
    fn defaults_apply() {
        let config = Config::from_map(&vars(&complete())).expect("valid");
        assert_eq!(config.port, 9090);
        assert_eq!(config.health_check_timeout, Duration::from_millis(1000));
        assert_eq!(config.health_cache_ttl, Duration::from_millis(2000));
        assert_eq!(config.secrets_ttl, Duration::from_secs(300));
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let mut pairs = complete();
        pairs.push(("HEALTH_CHECK_TIMEOUT_MS", "soon"));
        let err = Config::from_map(&vars(&pairs)).expect_err("invalid");
        assert!(err.to_string().contains("HEALTH_CHECK_TIMEOUT_MS"), "{err}");
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn missing_database_settings_name_the_variable() {
        let pairs: Vec<_> = complete()
            .into_iter()
            .filter(|(k, _)| *k != "DATABASE_URL")
            .collect();
        let err = Config::from_map(&vars(&pairs)).expect_err("missing");
        assert_eq!(err, ConfigError::Missing("DB_SECRET_ARN"));
        assert!(err.to_string().contains("DB_SECRET_ARN"));
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn database_url_is_redacted_in_debug() {
        let marker = "hunter2";
        let url = format!("postgresql://app:{marker}@db/app");
        let config = Config::from_map(&vars(&[
            ("DATABASE_URL", url.as_str()),
            ("REDIS_URL", "redis://127.0.0.1:6379/0"),
        ]))
        .expect("valid");
        assert!(!format!("{config:?}").contains(marker));
    }

    #[cfg(feature = "redis")]
    #[test]
    fn missing_redis_url_names_the_variable() {
        let pairs: Vec<_> = complete()
            .into_iter()
            .filter(|(k, _)| *k != "REDIS_URL")
            .collect();
        let err = Config::from_map(&vars(&pairs)).expect_err("missing");
        assert_eq!(err, ConfigError::Missing("REDIS_URL"));
    }
}

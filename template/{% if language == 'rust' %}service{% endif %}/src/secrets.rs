//! AWS Secrets Manager loader: an in-memory cache with a TTL, a single request per secret for
//! many concurrent callers, forced refresh, retries with backoff on throttling and typed errors.
//!
//! Secret values are wrapped in [`Secret`], whose `Debug` and `Display` never show the value.
//! Log lines and error messages carry the secret id and version only.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::time::Instant;

/// Default time a secret value is served from memory before it is fetched again.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// A value that must never be printed. `Debug` and `Display` show `[REDACTED]`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The wrapped value. Call it only where the value is used, never to log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Database credentials as stored by RDS (a managed master secret holds `username` and
/// `password`; other RDS secrets also carry `host`, `port` and `dbname`).
#[derive(Clone, Debug, Deserialize)]
pub struct RdsSecret {
    pub username: String,
    pub password: Secret<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default, deserialize_with = "port_from_number_or_string")]
    pub port: Option<u16>,
    #[serde(default)]
    pub dbname: Option<String>,
}

fn port_from_number_or_string<'de, D>(deserializer: D) -> Result<Option<u16>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Port {
        Number(u16),
        Text(String),
    }
    match Option::<Port>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Port::Number(port)) => Ok(Some(port)),
        Some(Port::Text(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("port is not a number between 0 and 65535")),
    }
}

/// Why a secret could not be read. Messages name the secret, never its value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("secret {id} was not found")]
    NotFound { id: String },
    #[error("access to secret {id} was denied")]
    AccessDenied { id: String },
    #[error("secret {id} could not be decrypted with its KMS key")]
    Decryption { id: String },
    #[error("reading secret {id} was throttled {attempts} times; giving up")]
    Throttled { id: String, attempts: u32 },
    #[error("secret {id} does not hold the expected {expected} value")]
    Invalid { id: String, expected: &'static str },
    #[error("reading secret {id} failed: {reason}")]
    Other { id: String, reason: String },
}

/// The error classes a [`SecretSource`] reports; the cache adds the secret id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    NotFound,
    AccessDenied,
    Decryption,
    Throttled,
    /// Anything else, described without the secret value (an AWS error code, for example).
    Other(String),
}

impl SourceError {
    /// Maps an AWS error code to its class.
    pub fn from_aws_code(code: Option<&str>) -> Self {
        match code {
            Some("ResourceNotFoundException") => Self::NotFound,
            Some("AccessDeniedException") => Self::AccessDenied,
            Some("DecryptionFailure") => Self::Decryption,
            Some(
                "ThrottlingException"
                | "Throttling"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "RequestThrottled"
                | "RequestThrottledException",
            ) => Self::Throttled,
            Some(other) => Self::Other(other.to_owned()),
            None => Self::Other("no error code".to_owned()),
        }
    }

    fn with_id(self, id: &str, attempts: u32) -> SecretError {
        let id = id.to_owned();
        match self {
            Self::NotFound => SecretError::NotFound { id },
            Self::AccessDenied => SecretError::AccessDenied { id },
            Self::Decryption => SecretError::Decryption { id },
            Self::Throttled => SecretError::Throttled { id, attempts },
            Self::Other(reason) => SecretError::Other { id, reason },
        }
    }
}

/// One fetched secret value.
#[derive(Clone, Debug)]
pub struct FetchedSecret {
    pub value: Secret<String>,
    pub version_id: Option<String>,
}

/// A boxed future, so that the source can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where secret values come from: AWS Secrets Manager in the service, a fake in tests.
pub trait SecretSource: Send + Sync + 'static {
    fn fetch<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<FetchedSecret, SourceError>>;
}

/// Retries on throttling: exponential backoff with jitter, capped.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(3),
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `attempt` (1-based): half fixed, half jitter.
    fn delay(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)));
        let capped = exp.min(self.max_delay);
        let half = capped / 2;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let jitter = half.mul_f64(f64::from(nanos % 1000) / 1000.0);
        half + jitter
    }
}

#[derive(Default)]
struct Slot {
    value: Option<Secret<String>>,
    fetched_at: Option<Instant>,
}

/// Caches secret values by id. Cheap to share behind an `Arc`.
pub struct SecretsCache {
    source: Arc<dyn SecretSource>,
    ttl: Duration,
    retry: RetryPolicy,
    slots: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Slot>>>>,
}

impl fmt::Debug for SecretsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretsCache")
            .field("ttl", &self.ttl)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl SecretsCache {
    pub fn new(source: Arc<dyn SecretSource>, ttl: Duration, retry: RetryPolicy) -> Self {
        Self {
            source,
            ttl,
            retry,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The secret string, from memory while younger than the TTL.
    pub async fn get(&self, id: &str) -> Result<Secret<String>, SecretError> {
        self.load(id, None).await
    }

    /// Fetches the secret again, bypassing the cache (after the database or Redis rejected the
    /// credentials, for example during a rotation). Concurrent refreshes share one request.
    pub async fn refresh(&self, id: &str) -> Result<Secret<String>, SecretError> {
        self.load(id, Some(Instant::now())).await
    }

    /// The secret parsed as JSON into `T`.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        id: &str,
        force: bool,
    ) -> Result<T, SecretError> {
        let value = if force {
            self.refresh(id).await?
        } else {
            self.get(id).await?
        };
        // serde_json's messages can quote the input, so the error carries none of it.
        serde_json::from_str(value.expose()).map_err(|_| SecretError::Invalid {
            id: id.to_owned(),
            expected: std::any::type_name::<T>(),
        })
    }

    /// The RDS credentials record.
    pub async fn get_rds(&self, id: &str, force: bool) -> Result<RdsSecret, SecretError> {
        self.get_json::<RdsSecret>(id, force).await
    }

    async fn load(
        &self,
        id: &str,
        refresh_requested_at: Option<Instant>,
    ) -> Result<Secret<String>, SecretError> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(id.to_owned()).or_default())
        };
        // One fetch per secret at a time: later callers wait here and reuse its result.
        let mut slot = slot.lock().await;
        if let (Some(value), Some(fetched_at)) = (&slot.value, slot.fetched_at) {
            let fresh = match refresh_requested_at {
                // A refresh is satisfied by a fetch that finished after it was asked for, so
                // callers that ask while a fetch is in flight share its result.
                Some(requested_at) => fetched_at >= requested_at,
                None => fetched_at.elapsed() < self.ttl,
            };
            if fresh {
                return Ok(value.clone());
            }
        }
        let fetched = self.fetch_with_retry(id).await?;
        tracing::info!(
            secret_id = id,
            version_id = fetched.version_id.as_deref().unwrap_or("unknown"),
            forced = refresh_requested_at.is_some(),
            "secret loaded"
        );
        slot.value = Some(fetched.value.clone());
        slot.fetched_at = Some(Instant::now());
        Ok(fetched.value)
    }

    async fn fetch_with_retry(&self, id: &str) -> Result<FetchedSecret, SecretError> {
        let max_attempts = self.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.source.fetch(id).await {
                Ok(fetched) => return Ok(fetched),
                Err(SourceError::Throttled) if attempt < max_attempts => {
                    let delay = self.retry.delay(attempt);
                    tracing::warn!(
                        secret_id = id,
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "secret request throttled; retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(err) => {
                    let err = err.with_id(id, attempt);
                    tracing::error!(secret_id = id, error = %err, "secret request failed");
                    return Err(err);
                }
            }
        }
    }
}

/// AWS Secrets Manager through the official SDK (credentials from the ECS task role).
#[derive(Clone, Debug)]
pub struct AwsSecretsSource {
    client: aws_sdk_secretsmanager::Client,
}

impl AwsSecretsSource {
    pub fn new(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }

    /// Loads region and credentials from the environment. The SDK's own standard retry mode
    /// covers transient network errors; the cache adds backoff on throttling.
    pub async fn from_env() -> Self {
        use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(http_client)
            .load()
            .await;
        Self::new(aws_sdk_secretsmanager::Client::new(&config))
    }
}

impl SecretSource for AwsSecretsSource {
    fn fetch<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<FetchedSecret, SourceError>> {
        Box::pin(async move {
            use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
            let output = self
                .client
                .get_secret_value()
                .secret_id(id)
                .send()
                .await
                .map_err(|err| match err.code() {
                    Some(code) => SourceError::from_aws_code(Some(code)),
                    None => SourceError::Other(sdk_error_class(&err).to_owned()),
                })?;
            let value = output
                .secret_string()
                .ok_or_else(|| SourceError::Other("the secret has no string value".to_owned()))?;
            Ok(FetchedSecret {
                value: Secret::new(value.to_owned()),
                version_id: output.version_id().map(str::to_owned),
            })
        })
    }
}

fn sdk_error_class<E, R>(err: &aws_sdk_secretsmanager::error::SdkError<E, R>) -> &'static str {
    use aws_sdk_secretsmanager::error::SdkError;
    match err {
        SdkError::ConstructionFailure(_) => "request construction failed",
        SdkError::TimeoutError(_) => "request timed out",
        SdkError::DispatchFailure(_) => "request could not be sent",
        SdkError::ResponseError(_) => "response could not be read",
        SdkError::ServiceError(_) => "service error",
        _ => "unknown error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const VALUE: &str = "s3cr3t-value-never-printed";

    /// An in-process Secrets Manager: scripted answers, a call counter and a delay.
    struct FakeSource {
        calls: AtomicUsize,
        delay: Duration,
        script: Mutex<VecDeque<Result<String, SourceError>>>,
        fallback: String,
    }

    impl FakeSource {
        fn new(delay: Duration) -> Self {
            Self {
                calls: AtomicUsize::new(0),
                delay,
                script: Mutex::new(VecDeque::new()),
                fallback: VALUE.to_owned(),
            }
        }

        fn then(self, answer: Result<&str, SourceError>) -> Self {
            if let Ok(mut script) = self.script.lock() {
                script.push_back(answer.map(str::to_owned));
            }
            self
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl SecretSource for FakeSource {
        fn fetch<'a>(&'a self, _id: &'a str) -> BoxFuture<'a, Result<FetchedSecret, SourceError>> {
            Box::pin(async move {
                let n = self.calls.fetch_add(1, Ordering::SeqCst);
                if !self.delay.is_zero() {
                    tokio::time::sleep(self.delay).await;
                }
                let scripted = self.script.lock().ok().and_then(|mut s| s.pop_front());
                let value = scripted.unwrap_or_else(|| Ok(format!("{}-{n}", self.fallback)))?;
                Ok(FetchedSecret {
                    value: Secret::new(value),
                    version_id: Some(format!("v{n}")),
                })
            })
        }
    }

    fn fast_retry() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
        }
    }

    fn cache(source: &Arc<FakeSource>, ttl: Duration) -> SecretsCache {
        let source: Arc<dyn SecretSource> = source.clone();
        SecretsCache::new(source, ttl, fast_retry())
    }

    #[tokio::test]
    async fn caches_within_ttl_and_refetches_after() {
        let source = Arc::new(FakeSource::new(Duration::ZERO));
        let cache = cache(&source, Duration::from_millis(200));
        let first = cache.get("app/db").await.expect("first read");
        let second = cache.get("app/db").await.expect("cached read");
        assert_eq!(first, second);
        assert_eq!(source.calls(), 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        let third = cache.get("app/db").await.expect("read after ttl");
        assert_ne!(first, third);
        assert_eq!(source.calls(), 2);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_request() {
        let source = Arc::new(FakeSource::new(Duration::from_millis(50)));
        let cache = Arc::new(cache(&source, DEFAULT_TTL));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let cache = Arc::clone(&cache);
            tasks.push(tokio::spawn(async move { cache.get("app/db").await }));
        }
        for task in tasks {
            let value = task.await.expect("join").expect("value");
            assert_eq!(value.expose(), &format!("{VALUE}-0"));
        }
        assert_eq!(source.calls(), 1);
    }

    #[tokio::test]
    async fn forced_refresh_bypasses_the_cache_once_for_concurrent_callers() {
        let source = Arc::new(FakeSource::new(Duration::from_millis(30)));
        let cache = Arc::new(cache(&source, DEFAULT_TTL));
        let before = cache.get("app/db").await.expect("first");
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let cache = Arc::clone(&cache);
            tasks.push(tokio::spawn(async move { cache.refresh("app/db").await }));
        }
        for task in tasks {
            let value = task.await.expect("join").expect("value");
            assert_ne!(value, before);
        }
        assert_eq!(source.calls(), 2);
        let after = cache.get("app/db").await.expect("cached again");
        assert_eq!(after.expose(), &format!("{VALUE}-1"));
        assert_eq!(source.calls(), 2);
    }

    #[tokio::test]
    async fn throttling_is_retried_with_backoff() {
        let source = Arc::new(
            FakeSource::new(Duration::ZERO)
                .then(Err(SourceError::Throttled))
                .then(Err(SourceError::Throttled))
                .then(Ok("after-throttling")),
        );
        let cache = cache(&source, DEFAULT_TTL);
        let value = cache.get("app/db").await.expect("third attempt succeeds");
        assert_eq!(value.expose(), "after-throttling");
        assert_eq!(source.calls(), 3);
    }

    #[tokio::test]
    async fn throttling_gives_up_after_max_attempts() {
        let source = Arc::new(
            FakeSource::new(Duration::ZERO)
                .then(Err(SourceError::Throttled))
                .then(Err(SourceError::Throttled))
                .then(Err(SourceError::Throttled)),
        );
        let cache = cache(&source, DEFAULT_TTL);
        let err = cache.get("app/db").await.expect_err("throttled");
        assert_eq!(
            err,
            SecretError::Throttled {
                id: "app/db".to_owned(),
                attempts: 3
            }
        );
        assert_eq!(source.calls(), 3);
    }

    #[tokio::test]
    async fn errors_are_typed_and_not_retried() {
        let cases = [
            (SourceError::NotFound, "NotFound"),
            (SourceError::AccessDenied, "AccessDenied"),
            (SourceError::Decryption, "Decryption"),
            (
                SourceError::Other("InternalServiceError".to_owned()),
                "Other",
            ),
        ];
        for (answer, expected) in cases {
            let source = Arc::new(FakeSource::new(Duration::ZERO).then(Err(answer)));
            let cache = cache(&source, DEFAULT_TTL);
            let err = cache.get("app/db").await.expect_err("error");
            assert!(format!("{err:?}").starts_with(expected), "{err:?}");
            assert!(err.to_string().contains("app/db"));
            assert_eq!(source.calls(), 1);
        }
    }

    #[test]
    fn aws_error_codes_map_to_classes() {
        let cases = [
            (Some("ResourceNotFoundException"), SourceError::NotFound),
            (Some("AccessDeniedException"), SourceError::AccessDenied),
            (Some("DecryptionFailure"), SourceError::Decryption),
            (Some("ThrottlingException"), SourceError::Throttled),
            (
                Some("InternalServiceError"),
                SourceError::Other("InternalServiceError".to_owned()),
            ),
            (None, SourceError::Other("no error code".to_owned())),
        ];
        for (code, expected) in cases {
            assert_eq!(SourceError::from_aws_code(code), expected);
        }
    }

    #[tokio::test]
    async fn values_never_show_in_debug_display_or_errors() {
        let secret = Secret::new(VALUE.to_owned());
        assert_eq!(format!("{secret:?}"), "Secret([REDACTED])");
        assert_eq!(format!("{secret}"), "[REDACTED]");

        let json = format!(r#"{{"username":"app","password":"{VALUE}","port":"5432"}}"#);
        let source = Arc::new(FakeSource::new(Duration::ZERO).then(Ok(&json)));
        let cache = cache(&source, DEFAULT_TTL);
        let record = cache.get_rds("app/db", false).await.expect("rds record");
        assert_eq!(record.username, "app");
        assert_eq!(record.port, Some(5432));
        assert_eq!(record.password.expose(), VALUE);
        assert!(!format!("{record:?}").contains(VALUE));
        assert!(!format!("{cache:?}").contains(VALUE));

        let source = Arc::new(FakeSource::new(Duration::ZERO).then(Ok(VALUE)));
        let cache = self::cache(&source, DEFAULT_TTL);
        let err = cache.get_rds("app/db", false).await.expect_err("not json");
        assert!(!err.to_string().contains(VALUE));
        assert!(!format!("{err:?}").contains(VALUE));
    }
}

//! The deep health check: every dependency probed concurrently, each under its own timeout,
//! the result cached for a short time with one check in flight.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::secrets::BoxFuture;

/// The short class a failing check reports. Details (hosts, messages) go to the logs only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureClass {
    Timeout,
    Refused,
    Auth,
    Error,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Healthy,
    Unhealthy,
}

/// A dependency probe: one round trip to a data store the service uses, or a fake in tests.
pub trait Probe: Send + Sync + 'static {
    /// The check's name in the response body.
    fn name(&self) -> &'static str;
    /// One round trip; the checker adds the timeout.
    fn probe(&self) -> BoxFuture<'_, Result<(), FailureClass>>;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub name: &'static str,
    pub status: Status,
    pub latency_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<FailureClass>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HealthReport {
    pub status: Status,
    pub checks: Vec<CheckResult>,
}

impl HealthReport {
    pub fn is_healthy(&self) -> bool {
        self.status == Status::Healthy
    }
}

/// Runs the probes and caches the report.
pub struct HealthChecker {
    probes: Vec<Arc<dyn Probe>>,
    timeout: Duration,
    cache_ttl: Duration,
    cached: Mutex<Option<(Instant, Arc<HealthReport>)>>,
}

impl HealthChecker {
    /// `probes` in the order the report lists them; none is healthy.
    pub fn new(probes: Vec<Arc<dyn Probe>>, timeout: Duration, cache_ttl: Duration) -> Self {
        Self {
            probes,
            timeout,
            cache_ttl,
            cached: Mutex::new(None),
        }
    }

    /// The cached report while it is fresh; otherwise one caller runs the checks and the
    /// others wait for its result.
    pub async fn report(&self) -> Arc<HealthReport> {
        let mut cached = self.cached.lock().await;
        if let Some((at, report)) = cached.as_ref() {
            if at.elapsed() < self.cache_ttl {
                return Arc::clone(report);
            }
        }
        let report = Arc::new(self.run().await);
        *cached = Some((Instant::now(), Arc::clone(&report)));
        report
    }

    async fn run(&self) -> HealthReport {
        let checks: Vec<CheckResult> = futures_util::future::join_all(
            self.probes.iter().map(|probe| self.check(probe.as_ref())),
        )
        .await;
        let status = if checks.iter().all(|c| c.status == Status::Healthy) {
            Status::Healthy
        } else {
            Status::Unhealthy
        };
        HealthReport { status, checks }
    }

    async fn check(&self, probe: &dyn Probe) -> CheckResult {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(self.timeout, probe.probe()).await {
            Ok(result) => result,
            Err(_) => Err(FailureClass::Timeout),
        };
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, error) = match outcome {
            Ok(()) => (Status::Healthy, None),
            Err(class) => {
                tracing::warn!(check = probe.name(), error = ?class, latency_ms, "health check failed");
                (Status::Unhealthy, Some(class))
            }
        };
        CheckResult {
            name: probe.name(),
            status,
            latency_ms,
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct FakeProbe {
        name: &'static str,
        delay: Duration,
        result: Result<(), FailureClass>,
        calls: AtomicUsize,
    }

    impl FakeProbe {
        fn new(name: &'static str, delay: Duration, result: Result<(), FailureClass>) -> Arc<Self> {
            Arc::new(Self {
                name,
                delay,
                result,
                calls: AtomicUsize::new(0),
            })
        }
    }

    impl Probe for FakeProbe {
        fn name(&self) -> &'static str {
            self.name
        }

        fn probe(&self) -> BoxFuture<'_, Result<(), FailureClass>> {
            Box::pin(async move {
                self.calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(self.delay).await;
                self.result
            })
        }
    }

    #[tokio::test]
    async fn checks_run_concurrently_and_time_out_individually() {
        let quick = FakeProbe::new("quick", Duration::from_millis(150), Ok(()));
        let stuck = FakeProbe::new("stuck", Duration::from_secs(30), Ok(()));
        let checker = HealthChecker::new(
            vec![quick.clone(), stuck.clone()],
            Duration::from_millis(200),
            Duration::from_secs(2),
        );
        let started = Instant::now();
        let report = checker.report().await;
        assert!(started.elapsed() < Duration::from_millis(400));
        assert!(!report.is_healthy());
        assert_eq!(report.checks[0].status, Status::Healthy);
        assert_eq!(report.checks[1].error, Some(FailureClass::Timeout));
    }

    #[tokio::test]
    async fn report_is_cached_with_one_check_in_flight() {
        let store = FakeProbe::new("store", Duration::from_millis(50), Ok(()));
        let checker = Arc::new(HealthChecker::new(
            vec![store.clone()],
            Duration::from_secs(1),
            Duration::from_secs(5),
        ));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let checker = Arc::clone(&checker);
            tasks.push(tokio::spawn(async move { checker.report().await }));
        }
        for task in tasks {
            assert!(task.await.expect("join").is_healthy());
        }
        assert_eq!(store.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn no_dependencies_is_healthy() {
        let checker = HealthChecker::new(Vec::new(), Duration::from_secs(1), Duration::ZERO);
        let report = checker.report().await;
        assert!(report.is_healthy());
        assert!(report.checks.is_empty());
    }

    #[test]
    fn body_shape() {
        let report = HealthReport {
            status: Status::Unhealthy,
            checks: vec![CheckResult {
                name: "store",
                status: Status::Unhealthy,
                latency_ms: 7,
                error: Some(FailureClass::Refused),
            }],
        };
        let json = serde_json::to_string(&report).expect("json");
        assert_eq!(
            json,
            r#"{"status":"unhealthy","checks":[{"name":"store","status":"unhealthy","latency_ms":7,"error":"refused"}]}"#
        );
    }
}

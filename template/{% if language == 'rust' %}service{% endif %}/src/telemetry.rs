//! JSON logs to stdout, and OpenTelemetry traces and metrics over OTLP/HTTP (protobuf).
//!
//! Telemetry is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or a per-signal
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `_METRICS_ENDPOINT`) is set; `OTEL_SDK_DISABLED=true`
//! turns it off as well. Off, no provider, exporter or export task exists, the HTTP layer is not
//! installed and every wrapper runs its call as is: nothing is ever sent.
//!
//! Names follow the OpenTelemetry semantic conventions, as the Python and TypeScript services
//! emit them: one SERVER span per request named `METHOD route` (`http.request.method`,
//! `url.scheme`, `http.route`, `http.response.status_code`, `error.type` on 5xx), CLIENT spans
//! for each database statement (`db.query.text` without literals), Redis command (its name only)
//! and secret read (`secrets.read`, the secret id, never the value); the metrics
//! `http.server.request.duration` (s), `db.client.connection.count` and
//! `db.client.connection.pending_requests` (with PostgreSQL), `secrets.cache.hits` and
//! `secrets.cache.misses`. No span carries an error message (it may quote a value): the error's
//! type only. Log lines written inside a span carry its `trace_id` and `span_id`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use opentelemetry::context::FutureExt as _;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::{
    SpanKind, Status, TraceContextExt as _, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::metrics::periodic_reader_with_async_runtime::PeriodicReader;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::resource::{Resource, TelemetryResourceDetector};
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{Format, Json, JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// The instrumentation scope of every span and instrument.
pub const SCOPE: &str = "service";
/// The semantic conventions' advice for `http.server.request.duration`, in seconds.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

// --- logs ----------------------------------------------------------------------------------------

/// Installs the global subscriber. `level` is `LOG_LEVEL` (`info`, `debug`, or a filter such as
/// `info,service=debug`); an invalid value falls back to `info`.
pub fn init(level: &str) {
    if tracing::subscriber::set_global_default(subscriber(level, std::io::stdout)).is_err() {
        tracing::debug!("a tracing subscriber was already installed");
    }
}

/// The service's log format (one JSON object per line, with the trace ids inside a span)
/// writing to `writer`: stdout in the service, a buffer in tests.
pub fn subscriber<W>(level: &str, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_new(level.to_ascii_lowercase()).unwrap_or_else(|_| EnvFilter::new("info"));
    let format = tracing_subscriber::fmt::format()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true);
    tracing_subscriber::fmt()
        .json()
        .event_format(WithTraceIds(format))
        .with_env_filter(filter)
        .with_writer(writer)
        .finish()
}

/// The JSON format plus `trace_id` and `span_id` when the line is written inside a span.
struct WithTraceIds(Format<Json>);

impl<S> FormatEvent<S, JsonFields> for WithTraceIds
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        let context = Context::current();
        let span = context.span();
        let ids = span.span_context();
        if !ids.is_valid() {
            return self.0.format_event(ctx, writer, event);
        }
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(
                writer,
                "{{\"trace_id\":\"{}\",\"span_id\":\"{}\",{rest}",
                ids.trace_id(),
                ids.span_id()
            ),
            None => writer.write_str(&line),
        }
    }
}

// --- settings ------------------------------------------------------------------------------------

/// The standard `OTEL_*` variables this service reads, and `TRACE_HEALTH_CHECKS`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    /// Where spans go (`None`: no tracer provider).
    pub traces_endpoint: Option<String>,
    /// Where metrics go (`None`: no meter provider).
    pub metrics_endpoint: Option<String>,
    /// `OTEL_SERVICE_NAME`, overriding the service's name.
    pub service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, decoded; they override the defaults.
    pub resource_attributes: Vec<(String, String)>,
    /// `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`.
    pub sampler: Option<String>,
    pub sampler_arg: Option<String>,
    /// `OTEL_EXPORTER_OTLP_TIMEOUT` (ms); the flush budget when unset.
    pub export_timeout: Option<Duration>,
    /// `OTEL_METRIC_EXPORT_INTERVAL` (ms); the SDK's 60 s when unset.
    pub metric_interval: Option<Duration>,
    /// `TRACE_HEALTH_CHECKS=true`: the health endpoints get spans and durations too.
    pub trace_health_checks: bool,
}

impl Settings {
    /// Reads the variables from `vars` (the environment in the service, a map in tests).
    pub fn from_map(vars: &HashMap<String, String>) -> Self {
        let get = |name: &str| {
            vars.get(name)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let flag = |name: &str| get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let millis = |name: &str| {
            get(name)
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        let disabled = flag("OTEL_SDK_DISABLED");
        let endpoint = |signal: &str, path: &str| {
            if disabled {
                return None;
            }
            get(&format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")).or_else(|| {
                get("OTEL_EXPORTER_OTLP_ENDPOINT")
                    .map(|base| format!("{}/{path}", base.trim_end_matches('/')))
            })
        };
        Self {
            traces_endpoint: endpoint("TRACES", "v1/traces"),
            metrics_endpoint: endpoint("METRICS", "v1/metrics"),
            service_name: get("OTEL_SERVICE_NAME"),
            resource_attributes: get("OTEL_RESOURCE_ATTRIBUTES")
                .map(|raw| parse_resource_attributes(&raw))
                .unwrap_or_default(),
            sampler: get("OTEL_TRACES_SAMPLER"),
            sampler_arg: get("OTEL_TRACES_SAMPLER_ARG"),
            export_timeout: millis("OTEL_EXPORTER_OTLP_TIMEOUT"),
            metric_interval: millis("OTEL_METRIC_EXPORT_INTERVAL"),
            trace_health_checks: flag("TRACE_HEALTH_CHECKS"),
        }
    }

    /// Whether anything is exported.
    pub fn enabled(&self) -> bool {
        self.traces_endpoint.is_some() || self.metrics_endpoint.is_some()
    }

    /// The sampler `OTEL_TRACES_SAMPLER` names; parent-based always-on by default or when the
    /// value is not one the specification defines.
    fn sampler(&self) -> Sampler {
        let ratio = || {
            self.sampler_arg
                .as_deref()
                .and_then(|arg| arg.parse::<f64>().ok())
                .filter(|ratio| (0.0..=1.0).contains(ratio))
                .unwrap_or(1.0)
        };
        match self.sampler.as_deref() {
            Some("always_on") => Sampler::AlwaysOn,
            Some("always_off") => Sampler::AlwaysOff,
            Some("traceidratio") => Sampler::TraceIdRatioBased(ratio()),
            Some("parentbased_always_off") => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
            Some("parentbased_traceidratio") => {
                Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio())))
            }
            Some("parentbased_always_on") | None => {
                Sampler::ParentBased(Box::new(Sampler::AlwaysOn))
            }
            Some(other) => {
                tracing::warn!(
                    sampler = other,
                    "OTEL_TRACES_SAMPLER is not a sampler this service knows; sampling every trace its caller samples"
                );
                Sampler::ParentBased(Box::new(Sampler::AlwaysOn))
            }
        }
    }
}

/// `key=value` pairs separated by commas, values percent-encoded (the specification's format).
fn parse_resource_attributes(raw: &str) -> Vec<(String, String)> {
    raw.split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), percent_decode(value.trim())))
        .filter(|(key, _)| !key.is_empty())
        .collect()
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

// --- providers -----------------------------------------------------------------------------------

/// Why telemetry could not be set up (an endpoint that is not a URL, for example).
#[derive(Debug, thiserror::Error)]
#[error("OpenTelemetry exporter setup failed: {0}")]
pub struct TelemetryError(String);

/// The service's tracer and instruments, and the providers to flush when it stops. Cheap to
/// clone; `Telemetry::default()` is off.
#[derive(Clone, Default)]
pub struct Telemetry {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    tracer: Option<SdkTracer>,
    tracer_provider: Option<SdkTracerProvider>,
    instruments: Option<Instruments>,
    meter_provider: Option<SdkMeterProvider>,
    trace_health_checks: bool,
}

struct Instruments {
    meter: Meter,
    request_duration: Histogram<f64>,
    secret_cache_hits: Counter<u64>,
    secret_cache_misses: Counter<u64>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("enabled", &self.enabled())
            .finish_non_exhaustive()
    }
}

impl Telemetry {
    /// Providers and OTLP/HTTP exporters for the signals that have an endpoint; off when none
    /// has. `service.name` defaults to `service_name` and `deployment.environment` to
    /// `environment`; `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` override them. Exports
    /// run on tokio tasks (call this inside the runtime); one export never outlasts
    /// `flush_budget` unless `OTEL_EXPORTER_OTLP_TIMEOUT` says otherwise.
    pub fn new(
        settings: &Settings,
        service_name: &str,
        environment: &str,
        flush_budget: Duration,
    ) -> Result<Self, TelemetryError> {
        if !settings.enabled() {
            return Ok(Self::default());
        }
        let mut attributes = vec![
            KeyValue::new("service.name", service_name.to_owned()),
            KeyValue::new("deployment.environment", environment.to_owned()),
        ];
        // Later wins: the SDK's own attributes, the defaults, the variables.
        attributes.extend(
            settings
                .resource_attributes
                .iter()
                .map(|(key, value)| KeyValue::new(key.clone(), value.clone())),
        );
        attributes.extend(
            settings
                .service_name
                .clone()
                .map(|name| KeyValue::new("service.name", name)),
        );
        let resource = Resource::builder_empty()
            .with_detector(Box::new(TelemetryResourceDetector))
            .with_attributes(attributes)
            .build();
        let timeout = settings.export_timeout.unwrap_or(flush_budget);
        let failed = |err: opentelemetry_otlp::ExporterBuildError| TelemetryError(err.to_string());

        let tracer_provider = match &settings.traces_endpoint {
            Some(endpoint) => {
                let exporter = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_protocol(Protocol::HttpBinary)
                    .with_endpoint(endpoint.clone())
                    .with_timeout(timeout)
                    .build()
                    .map_err(failed)?;
                Some(
                    SdkTracerProvider::builder()
                        .with_span_processor(BatchSpanProcessor::builder(exporter, Tokio).build())
                        .with_sampler(settings.sampler())
                        .with_resource(resource.clone())
                        .build(),
                )
            }
            None => None,
        };
        let meter_provider = match &settings.metrics_endpoint {
            Some(endpoint) => {
                let exporter = opentelemetry_otlp::MetricExporter::builder()
                    .with_http()
                    .with_protocol(Protocol::HttpBinary)
                    .with_endpoint(endpoint.clone())
                    .with_timeout(timeout)
                    .build()
                    .map_err(failed)?;
                let mut reader = PeriodicReader::builder(exporter, Tokio);
                if let Some(interval) = settings.metric_interval {
                    reader = reader.with_interval(interval);
                }
                Some(
                    SdkMeterProvider::builder()
                        .with_reader(reader.build())
                        .with_resource(resource)
                        .build(),
                )
            }
            None => None,
        };
        let instruments = meter_provider
            .as_ref()
            .map(|provider| Instruments::new(provider.meter(SCOPE)));
        Ok(Self {
            inner: Some(Arc::new(Inner {
                tracer: tracer_provider.as_ref().map(|p| p.tracer(SCOPE)),
                tracer_provider,
                instruments,
                meter_provider,
                trace_health_checks: settings.trace_health_checks,
            })),
        })
    }

    /// Whether anything is exported.
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    fn tracer(&self) -> Option<&SdkTracer> {
        self.inner.as_ref().and_then(|inner| inner.tracer.as_ref())
    }

    fn instruments(&self) -> Option<&Instruments> {
        self.inner
            .as_ref()
            .and_then(|inner| inner.instruments.as_ref())
    }

    /// The meter, when metrics are exported (for gauges observed from a pool, say).
    pub fn meter(&self) -> Option<&Meter> {
        self.instruments().map(|i| &i.meter)
    }

    /// Counts a secret read served from memory.
    pub fn secret_cache_hit(&self) {
        if let Some(i) = self.instruments() {
            i.secret_cache_hits.add(1, &[]);
        }
    }

    /// Counts a secret read that went to the secret store.
    pub fn secret_cache_miss(&self) {
        if let Some(i) = self.instruments() {
            i.secret_cache_misses.add(1, &[]);
        }
    }

    /// Runs `call` as a CLIENT span named `name`, a child of the current span. A failure
    /// sets `error.type` to what `error_type` says of the error (never its message) and marks
    /// the span failed. Without a tracer, `call` runs as is.
    pub async fn client_call<T, E, F>(
        &self,
        name: impl Into<String>,
        attributes: Vec<KeyValue>,
        error_type: impl FnOnce(&E) -> String,
        call: F,
    ) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let Some(tracer) = self.tracer() else {
            return call.await;
        };
        let parent = Context::current();
        let span = tracer
            .span_builder(name.into())
            .with_kind(SpanKind::Client)
            .with_attributes(attributes)
            .start_with_context(tracer, &parent);
        let context = parent.with_span(span);
        let result = call.with_context(context.clone()).await;
        let span = context.span();
        if let Err(err) = &result {
            span.set_attribute(KeyValue::new("error.type", error_type(err)));
            span.set_status(Status::error(""));
        }
        span.end();
        result
    }

    /// Sends what is buffered and stops the exporters, returning within `budget` whatever the
    /// collector does. The SDK's flush blocks, so it runs on a thread of its own that is
    /// abandoned at the deadline: the process is exiting, and the platform's stop timeout
    /// must hold.
    pub async fn shutdown(&self, budget: Duration) {
        let Some(inner) = self.inner.clone() else {
            return;
        };
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        let flush = move || {
            if let Some(provider) = &inner.tracer_provider {
                let _ = provider.force_flush();
                let _ = provider.shutdown();
            }
            if let Some(provider) = &inner.meter_provider {
                let _ = provider.shutdown();
            }
            let _ = done.send(());
        };
        let spawned = std::thread::Builder::new()
            .name("telemetry-shutdown".to_owned())
            .spawn(flush);
        match spawned {
            Ok(_) => {
                if tokio::time::timeout(budget, finished).await.is_err() {
                    tracing::warn!(
                        budget_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX),
                        "telemetry flush did not finish in time; the rest is dropped"
                    );
                }
            }
            Err(err) => tracing::error!(error = %err, "cannot start the telemetry flush"),
        }
    }
}

impl Instruments {
    fn new(meter: Meter) -> Self {
        Self {
            request_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of inbound HTTP requests.")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            secret_cache_hits: meter
                .u64_counter("secrets.cache.hits")
                .with_unit("{read}")
                .with_description("Secret reads served from memory.")
                .build(),
            secret_cache_misses: meter
                .u64_counter("secrets.cache.misses")
                .with_unit("{read}")
                .with_description("Secret reads that went to the secret store.")
                .build(),
            meter,
        }
    }
}

// --- HTTP ----------------------------------------------------------------------------------------

/// `router` with a SERVER span and a duration measurement per request, except for the paths in
/// `untraced` (the health endpoints, polled every few seconds) unless `TRACE_HEALTH_CHECKS` is
/// on. Off, the router is returned untouched: no layer runs.
pub fn instrument(router: Router, telemetry: &Telemetry, untraced: &[&'static str]) -> Router {
    let Some(inner) = &telemetry.inner else {
        return router;
    };
    let untraced = if inner.trace_health_checks {
        Vec::new()
    } else {
        untraced.to_vec()
    };
    let layer = HttpTelemetry {
        telemetry: telemetry.clone(),
        untraced: Arc::from(untraced),
    };
    // The layer runs once the route is matched (it wraps each route and the fallback), so it
    // can name the span after the route template; the explicit fallback is the default 404.
    router
        .fallback(|| async { axum::http::StatusCode::NOT_FOUND })
        .layer(axum::middleware::from_fn_with_state(layer, http_span))
}

#[derive(Clone)]
struct HttpTelemetry {
    telemetry: Telemetry,
    untraced: Arc<[&'static str]>,
}

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|key| key.as_str()).collect()
    }
}

async fn http_span(State(layer): State<HttpTelemetry>, request: Request, next: Next) -> Response {
    if layer.untraced.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned());
    let mut attributes = vec![
        KeyValue::new("http.request.method", method.clone()),
        KeyValue::new(
            "url.scheme",
            request.uri().scheme_str().unwrap_or("http").to_owned(),
        ),
    ];
    let name = match &route {
        Some(route) => {
            attributes.push(KeyValue::new("http.route", route.clone()));
            format!("{method} {route}")
        }
        None => method,
    };
    let context = match layer.telemetry.tracer() {
        Some(tracer) => {
            let parent = TraceContextPropagator::new().extract(&Headers(request.headers()));
            let span = tracer
                .span_builder(name)
                .with_kind(SpanKind::Server)
                .with_attributes(attributes.clone())
                .start_with_context(tracer, &parent);
            parent.with_span(span)
        }
        None => Context::current(),
    };
    let response = next.run(request).with_context(context.clone()).await;
    let status = response.status().as_u16();
    attributes.push(KeyValue::new(
        "http.response.status_code",
        i64::from(status),
    ));
    let span = context.span();
    span.set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status),
    ));
    if status >= 500 {
        // A response, not a panic: the status code is the error's type.
        attributes.push(KeyValue::new("error.type", status.to_string()));
        span.set_attribute(KeyValue::new("error.type", status.to_string()));
        span.set_status(Status::error(""));
    }
    span.end();
    if let Some(instruments) = layer.telemetry.instruments() {
        instruments
            .request_duration
            .record(started.elapsed().as_secs_f64(), &attributes);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::from_map(
            &pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn off_without_an_endpoint_or_when_disabled() {
        assert!(!settings(&[]).enabled());
        assert!(!settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]).enabled());
        let disabled = settings(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"),
            ("OTEL_SDK_DISABLED", "TRUE"),
        ]);
        assert!(!disabled.enabled());
    }

    #[test]
    fn signal_endpoints_follow_the_specification() {
        let base = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318/")]);
        assert_eq!(
            base.traces_endpoint.as_deref(),
            Some("http://localhost:4318/v1/traces")
        );
        assert_eq!(
            base.metrics_endpoint.as_deref(),
            Some("http://localhost:4318/v1/metrics")
        );
        // A per-signal endpoint is used as given, and only that signal is exported.
        let traces = settings(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/t")]);
        assert_eq!(traces.traces_endpoint.as_deref(), Some("http://c:4318/t"));
        assert_eq!(traces.metrics_endpoint, None);
    }

    #[test]
    fn resource_attributes_are_decoded() {
        let parsed = settings(&[(
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=prod, team=pay%20ments,broken",
        )]);
        assert_eq!(
            parsed.resource_attributes,
            vec![
                ("deployment.environment".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "pay ments".to_owned()),
            ]
        );
    }

    #[test]
    fn samplers_by_name() {
        let sampler = |name: &str, arg: &str| {
            format!(
                "{:?}",
                settings(&[
                    ("OTEL_TRACES_SAMPLER", name),
                    ("OTEL_TRACES_SAMPLER_ARG", arg)
                ])
                .sampler()
            )
        };
        assert_eq!(sampler("always_off", ""), "AlwaysOff");
        assert_eq!(
            sampler("parentbased_traceidratio", "0.1"),
            "ParentBased(TraceIdRatioBased(0.1))"
        );
        assert_eq!(sampler("traceidratio", "7"), "TraceIdRatioBased(1.0)");
        assert_eq!(sampler("", ""), "ParentBased(AlwaysOn)");
    }
}

"""OpenTelemetry traces and metrics over OTLP/HTTP, configured by the standard OTEL_* variables.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or a per-signal ``OTEL_EXPORTER_OTLP_*_ENDPOINT``)
is set: then no provider, exporter or export thread exists, every span and instrument is the
API's no-op, and nothing is ever sent. ``OTEL_SDK_DISABLED=true`` turns it off as well.

Names follow the OpenTelemetry semantic conventions so the TypeScript and Rust services emit the
same ones: ``http.server.request.duration`` (s) by ``http.request.method``, ``http.route`` and
``http.response.status_code``; ``db.client.connection.count`` by ``db.client.connection.state``
(``used``/``idle``) and ``db.client.connection.pending_requests``; ``secrets.cache.hits`` and
``secrets.cache.misses``. Spans carry no statement parameters, URL, credential or secret value.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.propagate import extract
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCOPE = "app"
# The semantic conventions' advice for http.server.request.duration, in seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
ENDPOINT_VARS = {
    "traces": ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    "metrics": ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
}


class _Provider(Protocol):
    def force_flush(self, timeout_millis: int = ...) -> bool: ...

    def shutdown(self) -> Any: ...


class Telemetry:
    """The service's tracer and meter, and the providers to flush when it stops."""

    def __init__(self, tracer: Tracer, meter: Meter, providers: Iterable[_Provider] = ()) -> None:
        self.tracer = tracer
        self.meter = meter
        self._providers = tuple(providers)
        self.request_duration = meter.create_histogram(
            "http.server.request.duration",
            unit="s",
            description="Duration of inbound HTTP requests.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.secret_cache_hits = meter.create_counter(
            "secrets.cache.hits", unit="{read}", description="Secret reads served from memory."
        )
        self.secret_cache_misses = meter.create_counter(
            "secrets.cache.misses",
            unit="{read}",
            description="Secret reads that went to the secret store.",
        )

    @classmethod
    def off(cls) -> Telemetry:
        """No-op tracer and meter: what the service runs with when no endpoint is set."""
        return cls(trace.NoOpTracer(), metrics.NoOpMeter(SCOPE))

    @property
    def enabled(self) -> bool:
        return bool(self._providers)

    @contextmanager
    def client_span(self, name: str, attributes: Mapping[str, str | int]) -> Iterator[Span]:
        """A CLIENT span around one outbound call; an exception marks it failed with its type."""
        with self.tracer.start_as_current_span(
            name,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                yield span
            except BaseException as exc:
                # The exception's type only: a driver's message may quote a statement or a host.
                span.set_attribute("error.type", type(exc).__qualname__)
                span.set_status(StatusCode.ERROR)
                raise

    def observe_pool(self, name: str, stats: Callable[[], Mapping[str, int]]) -> None:
        """Gauges of a psycopg pool: connections in use and idle, requests waiting for one."""

        def counts(_: CallbackOptions) -> Iterable[Observation]:
            current = stats()
            size, idle = current.get("pool_size", 0), current.get("pool_available", 0)
            pool = {"db.client.connection.pool.name": name}
            yield Observation(size - idle, {**pool, "db.client.connection.state": "used"})
            yield Observation(idle, {**pool, "db.client.connection.state": "idle"})

        def waiting(_: CallbackOptions) -> Iterable[Observation]:
            yield Observation(
                stats().get("requests_waiting", 0), {"db.client.connection.pool.name": name}
            )

        self.meter.create_observable_gauge(
            "db.client.connection.count",
            [counts],
            unit="{connection}",
            description="Pooled connections by state.",
        )
        self.meter.create_observable_gauge(
            "db.client.connection.pending_requests",
            [waiting],
            unit="{request}",
            description="Requests waiting for a pooled connection.",
        )

    def shutdown(self, timeout_s: float) -> None:
        """Send what is buffered and stop the exporters, returning within ``timeout_s``.

        A provider's own shutdown may export once more after a flush that timed out, so the
        whole sequence runs in a daemon thread that is abandoned at the deadline: the process
        is exiting, and the stop timeout must hold whatever the collector does.
        """
        if not self._providers:
            return
        deadline = time.monotonic() + timeout_s

        def flush_and_stop() -> None:
            for provider in self._providers:
                left_ms = max(int((deadline - time.monotonic()) * 1000), 1)
                provider.force_flush(timeout_millis=left_ms)
                provider.shutdown()

        worker = threading.Thread(target=flush_and_stop, name="telemetry-shutdown", daemon=True)
        worker.start()
        worker.join(timeout_s)


def _exports(signal: str, environ: Mapping[str, str]) -> bool:
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARS[signal])


def setup_telemetry(service_name: str, environment: str, *, flush_timeout_s: float) -> Telemetry:
    """Providers and OTLP/HTTP exporters for what has an endpoint; ``Telemetry.off()`` else.

    ``service.name`` defaults to ``service_name`` and ``deployment.environment`` to
    ``environment``; ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` override them. The
    sampler is the SDK's (``OTEL_TRACES_SAMPLER``/``_ARG``, parent-based always-on by default).
    """
    env = os.environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return Telemetry.off()
    traced, measured = _exports("traces", env), _exports("metrics", env)
    if not (traced or measured):
        return Telemetry.off()

    # Imported here: a service without an endpoint never loads the SDK or the exporters.
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.resources import OTELResourceDetector, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    defaults = Resource({"service.name": service_name, "deployment.environment": environment})
    # Later wins in merge: the SDK's own attributes, our defaults, then the OTEL_* variables.
    resource = Resource.create().merge(defaults).merge(OTELResourceDetector().detect())
    # Unless OTEL_EXPORTER_OTLP_TIMEOUT says otherwise, one export (with its retries) never
    # outlasts the shutdown budget, so a dead collector cannot hold the exit.
    timeout = None if env.get("OTEL_EXPORTER_OTLP_TIMEOUT", "").strip() else flush_timeout_s
    providers: list[_Provider] = []
    tracer: Tracer = trace.NoOpTracer()
    meter: Meter = metrics.NoOpMeter(SCOPE)
    if traced:
        # shutdown_on_exit=False: the app's lifespan shuts down within its budget; an atexit
        # hook would export again after the deadline.
        tracer_provider = TracerProvider(resource=resource, shutdown_on_exit=False)
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(timeout=timeout)))
        tracer = tracer_provider.get_tracer(SCOPE)
        providers.append(tracer_provider)
    if measured:
        reader = PeriodicExportingMetricReader(OTLPMetricExporter(timeout=timeout))
        meter_provider = MeterProvider(
            resource=resource, metric_readers=[reader], shutdown_on_exit=False
        )
        meter = meter_provider.get_meter(SCOPE)
        providers.append(meter_provider)
    return Telemetry(tracer, meter, providers)


OFF = Telemetry.off()


class HttpTelemetry:
    """ASGI middleware: a SERVER span and a duration measurement per HTTP request.

    The span continues a W3C ``traceparent`` from the caller and is named ``METHOD route`` after
    the matched route template (never the raw path, which may carry ids). Paths in ``untraced``
    (the health endpoints, polled every few seconds by the platform) get neither.
    """

    def __init__(self, app: ASGIApp, telemetry: Telemetry, untraced: Iterable[str] = ()) -> None:
        self._app = app
        self._telemetry = telemetry
        self._untraced = frozenset(untraced)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self._untraced:
            await self._app(scope, receive, send)
            return
        method = scope["method"]
        attributes: dict[str, str | int] = {
            "http.request.method": method,
            "url.scheme": scope.get("scheme", "http"),
        }
        carrier = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        status = 500
        started = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        # No exception event or status message: a message may quote a statement or a value.
        with self._telemetry.tracer.start_as_current_span(
            method,
            context=extract(carrier),
            kind=SpanKind.SERVER,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                await self._app(scope, receive, send_status)
            except BaseException as exc:
                attributes["error.type"] = type(exc).__qualname__
                raise
            finally:
                route = getattr(scope.get("route"), "path", None)
                if isinstance(route, str):
                    attributes["http.route"] = route
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                attributes["http.response.status_code"] = status
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    attributes.setdefault("error.type", str(status))
                    span.set_attribute("error.type", attributes["error.type"])
                    span.set_status(StatusCode.ERROR)
                self._telemetry.request_duration.record(time.perf_counter() - started, attributes)

"""An in-test OTLP/HTTP collector: keeps every export request, raw and decoded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.metrics.v1.metrics_pb2 import Metric
from opentelemetry.proto.trace.v1.trace_pb2 import Span


def value_of(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def attributes(pairs: Iterator[KeyValue] | Any) -> dict[str, Any]:
    return {pair.key: value_of(pair.value) for pair in pairs}


@dataclass
class Receiver:
    """What the service exported: the raw bodies, and the spans and metrics decoded."""

    url: str
    bodies: list[bytes] = field(default_factory=list)
    traces: list[ExportTraceServiceRequest] = field(default_factory=list)
    metric_requests: list[ExportMetricsServiceRequest] = field(default_factory=list)

    def spans(self) -> list[Span]:
        return [
            span
            for request in self.traces
            for resource_spans in request.resource_spans
            for scope_spans in resource_spans.scope_spans
            for span in scope_spans.spans
        ]

    def resources(self) -> list[dict[str, Any]]:
        found = [attributes(rs.resource.attributes) for r in self.traces for rs in r.resource_spans]
        found += [
            attributes(rm.resource.attributes)
            for r in self.metric_requests
            for rm in r.resource_metrics
        ]
        return found

    def metrics(self) -> dict[str, list[Metric]]:
        """Each metric as its latest export has it (cumulative: that one holds the totals)."""
        found: dict[str, list[Metric]] = {}
        for request in self.metric_requests[-1:]:
            for resource_metrics in request.resource_metrics:
                for scope_metrics in resource_metrics.scope_metrics:
                    for metric in scope_metrics.metrics:
                        found.setdefault(metric.name, []).append(metric)
        return found

    def points(self, name: str) -> list[tuple[dict[str, Any], Any]]:
        """Every data point of ``name`` (sum, gauge or histogram) with its attributes."""
        found = []
        for metric in self.metrics().get(name, []):
            data = getattr(metric, metric.WhichOneof("data") or "")
            found += [(attributes(point.attributes), point) for point in data.data_points]
        return found


def serve_receiver() -> Iterator[Receiver]:
    """Listen on a loopback port until the generator is closed."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.bodies.append(body)
            if self.path == "/v1/traces":
                receiver.traces.append(ExportTraceServiceRequest.FromString(body))
            elif self.path == "/v1/metrics":
                receiver.metric_requests.append(ExportMetricsServiceRequest.FromString(body))
            self.send_response(200 if self.path in ("/v1/traces", "/v1/metrics") else 404)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            del args  # the test's output stays the test's

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)

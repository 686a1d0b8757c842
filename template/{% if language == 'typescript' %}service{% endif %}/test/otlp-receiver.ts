import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import protobuf from 'protobufjs';

/**
 * The part of OTLP (opentelemetry-proto, v1) the tests read, with the official field numbers;
 * the decoder skips every other field.
 */
const OTLP = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
  }
}
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Status { string message = 2; int32 code = 3; }
message Event { string name = 2; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  repeated KeyValue attributes = 9; repeated Event events = 11; Status status = 15;
}
message ScopeSpans { repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message NumberDataPoint {
  repeated KeyValue attributes = 7;
  oneof value { double as_double = 4; sfixed64 as_int = 6; }
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9; fixed64 count = 4; optional double sum = 5;
  repeated double explicit_bounds = 7;
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; }
message Histogram { repeated HistogramDataPoint data_points = 1; }
message Metric {
  string name = 1; string unit = 3;
  oneof data { Gauge gauge = 5; Sum sum = 7; Histogram histogram = 9; }
}
message ScopeMetrics { repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
`;

const root = protobuf.parse(OTLP, { keepCase: true }).root;
const TRACES = root.lookupType('otlp.ExportTraceServiceRequest');
const METRICS = root.lookupType('otlp.ExportMetricsServiceRequest');

type Attributes = Record<string, string | number | boolean>;

interface RawKeyValue {
  key: string;
  value?: {
    string_value?: string;
    bool_value?: boolean;
    int_value?: number;
    double_value?: number;
  };
}

interface RawResource {
  attributes?: RawKeyValue[];
}

interface RawSpan {
  trace_id: Uint8Array;
  span_id: Uint8Array;
  parent_span_id?: Uint8Array;
  name: string;
  kind?: number;
  attributes?: RawKeyValue[];
  events?: unknown[];
  status?: { code?: number; message?: string };
}

interface RawPoint {
  attributes?: RawKeyValue[];
  as_double?: number;
  as_int?: number;
  count?: number;
  sum?: number;
  explicit_bounds?: number[];
}

interface RawMetric {
  name: string;
  unit?: string;
  gauge?: { data_points?: RawPoint[] };
  sum?: { data_points?: RawPoint[] };
  histogram?: { data_points?: RawPoint[] };
}

interface RawTraces {
  resource_spans?: { resource?: RawResource; scope_spans?: { spans?: RawSpan[] }[] }[];
}

interface RawMetrics {
  resource_metrics?: { resource?: RawResource; scope_metrics?: { metrics?: RawMetric[] }[] }[];
}

export const SPAN_KIND_SERVER = 2;
export const SPAN_KIND_CLIENT = 3;
export const STATUS_CODE_ERROR = 2;

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Attributes;
  readonly events: number;
  readonly status: { readonly code: number; readonly message: string };
}

export interface ReceivedPoint {
  readonly attributes: Attributes;
  /** A gauge's or sum's value. */
  readonly value: number | undefined;
  /** A histogram's count, sum and bounds. */
  readonly count: number | undefined;
  readonly sum: number | undefined;
  readonly explicitBounds: readonly number[];
}

export interface ReceivedMetric {
  readonly name: string;
  readonly unit: string;
  readonly type: 'gauge' | 'sum' | 'histogram';
  readonly points: readonly ReceivedPoint[];
}

function attributesOf(pairs: RawKeyValue[] | undefined): Attributes {
  const found: Attributes = {};
  for (const { key, value } of pairs ?? []) {
    const scalar =
      value?.string_value ?? value?.bool_value ?? value?.int_value ?? value?.double_value;
    if (scalar !== undefined) {
      found[key] = scalar;
    }
  }
  return found;
}

function hex(bytes: Uint8Array | undefined): string {
  return Buffer.from(bytes ?? []).toString('hex');
}

function pointOf(point: RawPoint): ReceivedPoint {
  return {
    attributes: attributesOf(point.attributes),
    value: point.as_int ?? point.as_double,
    count: point.count,
    sum: point.sum,
    explicitBounds: point.explicit_bounds ?? [],
  };
}

const OPTIONS = { longs: Number, defaults: false, arrays: true };

/** What the service exported: every raw body, and the spans and metrics decoded. */
export class Receiver {
  readonly bodies: Buffer[] = [];
  readonly #traces: RawTraces[] = [];
  readonly #metrics: RawMetrics[] = [];

  /** The base URL to export to (OTEL_EXPORTER_OTLP_ENDPOINT). */
  url = '';

  record(path: string, body: Buffer): boolean {
    this.bodies.push(body);
    if (path === '/v1/traces') {
      this.#traces.push(TRACES.toObject(TRACES.decode(body), OPTIONS));
      return true;
    }
    if (path === '/v1/metrics') {
      this.#metrics.push(METRICS.toObject(METRICS.decode(body), OPTIONS));
      return true;
    }
    return false;
  }

  spans(): ReceivedSpan[] {
    return this.#traces.flatMap((request) =>
      (request.resource_spans ?? []).flatMap((resourceSpans) =>
        (resourceSpans.scope_spans ?? []).flatMap((scope) =>
          (scope.spans ?? []).map((span) => ({
            traceId: hex(span.trace_id),
            spanId: hex(span.span_id),
            parentSpanId: hex(span.parent_span_id),
            name: span.name,
            kind: span.kind ?? 0,
            attributes: attributesOf(span.attributes),
            events: span.events?.length ?? 0,
            status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' },
          })),
        ),
      ),
    );
  }

  spansNamed(name: string): ReceivedSpan[] {
    return this.spans().filter((span) => span.name === name);
  }

  resources(): Attributes[] {
    return [
      ...this.#traces.flatMap((r) => (r.resource_spans ?? []).map((rs) => rs.resource)),
      ...this.#metrics.flatMap((r) => (r.resource_metrics ?? []).map((rm) => rm.resource)),
    ].map((resource) => attributesOf(resource?.attributes));
  }

  /** Each metric as the latest export has it (cumulative: that one holds the totals). */
  metrics(): ReceivedMetric[] {
    const latest = this.#metrics.at(-1);
    return (latest?.resource_metrics ?? []).flatMap((resourceMetrics) =>
      (resourceMetrics.scope_metrics ?? []).flatMap((scope) =>
        (scope.metrics ?? []).map((metric): ReceivedMetric => {
          const type =
            metric.histogram !== undefined
              ? 'histogram'
              : metric.sum !== undefined
                ? 'sum'
                : 'gauge';
          const data = metric[type];
          return {
            name: metric.name,
            unit: metric.unit ?? '',
            type,
            points: (data?.data_points ?? []).map(pointOf),
          };
        }),
      ),
    );
  }

  /** Every data point of the metric `name`, with its attributes. */
  points(name: string): ReceivedPoint[] {
    return this.metrics()
      .filter((metric) => metric.name === name)
      .flatMap((metric) => metric.points);
  }
}

/** An OTLP/HTTP collector on a loopback port; `close()` stops it. */
export async function startReceiver(): Promise<Receiver & { close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const receiver = new Receiver();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const known = receiver.record(req.url ?? '', Buffer.concat(chunks));
      res.writeHead(known ? 200 : 404, { 'Content-Type': 'application/x-protobuf' }).end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}`;
  return Object.assign(receiver, {
    close: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  });
}

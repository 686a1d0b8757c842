import { isSpanContextValid, trace } from '@opentelemetry/api';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Describe an error for the logs: its class, code and message, never its stack of values. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const described: Record<string, unknown> = { type: error.name, message: error.message };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') {
      described['code'] = code;
    }
    if (error instanceof AggregateError && error.errors.length > 0) {
      described['causes'] = error.errors.map(describeError);
    }
    return described;
  }
  return { type: typeof error };
}

function serialise(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? describeError(value) : value;
  }
  return out;
}

/** Inside a span (a traced request): the ids that join a log line to its trace. */
function traceIds(): Record<string, string> | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context !== undefined && isSpanContextValid(context)
    ? { trace_id: context.traceId, span_id: context.spanId }
    : undefined;
}

/**
 * A JSON-lines logger on stdout. Values with toJSON (secrets) serialise themselves redacted.
 * A line written inside a span carries its `trace_id` and `span_id`.
 */
export function createLogger(
  level: LogLevel,
  base: LogFields = {},
  sink: LogSink = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const threshold = RANK[level];
  const write = (lvl: LogLevel, message: string, fields: LogFields = {}): void => {
    if (RANK[lvl] < threshold) {
      return;
    }
    sink(
      JSON.stringify({
        time: new Date().toISOString(),
        level: lvl,
        msg: message,
        ...base,
        ...traceIds(),
        ...serialise(fields),
      }),
    );
  };
  return {
    debug: (message, fields) => {
      write('debug', message, fields);
    },
    info: (message, fields) => {
      write('info', message, fields);
    },
    warn: (message, fields) => {
      write('warn', message, fields);
    },
    error: (message, fields) => {
      write('error', message, fields);
    },
  };
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = createLogger('error', {}, () => undefined);

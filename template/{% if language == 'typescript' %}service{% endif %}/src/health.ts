import { performance } from 'node:perf_hooks';

import { describeError, type Logger, silentLogger } from './logger.js';

export type CheckStatus = 'healthy' | 'unhealthy';
/** The only failure detail a response carries; hosts and messages go to the logs. */
export type FailureClass = 'timeout' | 'refused' | 'auth' | 'error';

export interface HealthCheck {
  readonly name: string;
  /** Resolve when the dependency answers. Stop work when `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly latency_ms: number;
  readonly error?: FailureClass;
}

export interface HealthReport {
  readonly status: CheckStatus;
  readonly checks: readonly CheckResult[];
}

export interface HealthCheckerOptions {
  /** Per-check budget. Default 1000 ms. */
  readonly timeoutMs?: number;
  /** How long a report is reused. Default 2000 ms. */
  readonly cacheTtlMs?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
}

/** Raised when a check exceeds its budget. */
export class CheckTimeoutError extends Error {
  override readonly name = 'CheckTimeoutError';
}

/** A dependency error that already knows its class (e.g. a client that is offline). */
export class DependencyError extends Error {
  override readonly name = 'DependencyError';

  constructor(
    readonly failure: FailureClass,
    message: string,
  ) {
    super(message);
  }
}

const REFUSED_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const AUTH_CODES = new Set(['28P01', '28000']);
const AUTH_NAMES = new Set(['SecretAccessDeniedError', 'SecretDecryptionError']);
const REFUSED_NAMES = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'SocketClosedUnexpectedlyError',
]);
const TIMEOUT_NAMES = new Set(['CheckTimeoutError', 'ConnectionTimeoutError', 'TimeoutError']);

/** Reduce any error to the short class a health response may show. */
export function classifyFailure(error: unknown): FailureClass {
  if (error instanceof DependencyError) {
    return error.failure;
  }
  if (error instanceof AggregateError && error.errors.length > 0) {
    return classifyFailure(error.errors[0]);
  }
  if (!(error instanceof Error)) {
    return 'error';
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (REFUSED_CODES.has(code)) {
      return 'refused';
    }
    if (AUTH_CODES.has(code)) {
      return 'auth';
    }
  }
  if (TIMEOUT_NAMES.has(error.name) || /timeout/i.test(error.message)) {
    return 'timeout';
  }
  if (REFUSED_NAMES.has(error.name)) {
    return 'refused';
  }
  if (AUTH_NAMES.has(error.name) || /^(WRONGPASS|NOAUTH|NOPERM)/.test(error.message)) {
    return 'auth';
  }
  return 'error';
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}

function withTimeout(check: HealthCheck, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new CheckTimeoutError(
        `${check.name} did not answer within ${String(timeoutMs)} ms`,
      );
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  return Promise.race([check.run(controller.signal), expired]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * Runs every check concurrently, each under its own timeout, and caches the report for a short
 * time; concurrent callers share one run (single flight).
 */
export class HealthChecker {
  readonly #checks: readonly HealthCheck[];
  readonly #timeoutMs: number;
  readonly #cacheTtlMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  #cached: { report: HealthReport; expiresAt: number } | undefined;
  #inFlight: Promise<HealthReport> | undefined;

  constructor(checks: readonly HealthCheck[], options: HealthCheckerOptions = {}) {
    this.#checks = checks;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#cacheTtlMs = options.cacheTtlMs ?? 2000;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
  }

  check(): Promise<HealthReport> {
    if (this.#cached !== undefined && this.#cached.expiresAt > this.#now()) {
      return Promise.resolve(this.#cached.report);
    }
    this.#inFlight ??= this.#run().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #runOne(check: HealthCheck): Promise<CheckResult> {
    const started = performance.now();
    try {
      await withTimeout(check, this.#timeoutMs);
      return { name: check.name, status: 'healthy', latency_ms: elapsed(started) };
    } catch (error) {
      const failure = classifyFailure(error);
      this.#logger.warn('health check failed', {
        check: check.name,
        failure,
        error: describeError(error),
      });
      return {
        name: check.name,
        status: 'unhealthy',
        latency_ms: elapsed(started),
        error: failure,
      };
    }
  }

  async #run(): Promise<HealthReport> {
    const settled = await Promise.allSettled(this.#checks.map((check) => this.#runOne(check)));
    const checks = settled.map((outcome, index): CheckResult =>
      outcome.status === 'fulfilled'
        ? outcome.value
        : {
            name: this.#checks[index]?.name ?? 'unknown',
            status: 'unhealthy',
            latency_ms: 0,
            error: 'error',
          },
    );
    const report: HealthReport = {
      status: checks.every((check) => check.status === 'healthy') ? 'healthy' : 'unhealthy',
      checks,
    };
    this.#cached = { report, expiresAt: this.#now() + this.#cacheTtlMs };
    return report;
  }
}

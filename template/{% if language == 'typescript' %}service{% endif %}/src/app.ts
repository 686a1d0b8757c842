import express, { type ErrorRequestHandler, type Express } from 'express';

import { HEALTH_DEEP_PATH, HEALTH_LIVE_PATH } from './constants.js';
import type { HealthReport } from './health.js';
import { describeError, type Logger, silentLogger } from './logger.js';
import { OFF, type Telemetry } from './telemetry.js';

export interface AppDependencies {
  readonly health: { check(): Promise<HealthReport> };
  readonly logger?: Logger;
  /** Spans and request metrics (see telemetry.ts); off by default. */
  readonly telemetry?: Telemetry;
  /** Trace and measure the health endpoints too (TRACE_HEALTH_CHECKS); they are polled often. */
  readonly traceHealthChecks?: boolean;
  /** The service's own routes: mounted after the health endpoints, before the 404 handler. */
  readonly routes?: (app: Express) => void;
}

/** The HTTP application. Health routes come first: before any auth, rate limit or access log. */
export function buildApp({
  health,
  logger = silentLogger,
  telemetry = OFF,
  traceHealthChecks = false,
  routes,
}: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // First, so the span covers every route; none at all when telemetry is off.
  const tracing = telemetry.httpMiddleware(
    traceHealthChecks ? [] : [HEALTH_LIVE_PATH, HEALTH_DEEP_PATH],
  );
  if (tracing !== undefined) {
    app.use(tracing);
  }

  // Shallow: the process is up and its event loop answers. Never touches a dependency.
  app.get(HEALTH_LIVE_PATH, (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'healthy' });
  });

  // Deep: dependency checks, concurrent and time-boxed, cached briefly. 503 when any fails.
  app.get(HEALTH_DEEP_PATH, async (_req, res) => {
    const report = await health.check();
    res
      .status(report.status === 'healthy' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(report);
  });

  routes?.(app);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  const onError: ErrorRequestHandler = (error: unknown, req, res, _next) => {
    telemetry.requestFailed(res, error);
    logger.error('request failed', {
      method: req.method,
      path: req.path,
      error: describeError(error),
    });
    if (!res.headersSent) {
      res.status(500).set('Cache-Control', 'no-store').json({ error: 'internal error' });
    }
  };
  app.use(onError);
  return app;
}

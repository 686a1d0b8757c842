/**
 * Without an endpoint the service runs no telemetry at all: the SDK is never loaded, the app has
 * no tracing middleware, and nothing opens a socket or a timer. (With one: telemetry.test.ts.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';

import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { buildApp } from '../src/app.js';
import { HealthChecker } from '../src/health.js';
import { createLogger } from '../src/logger.js';
import { OFF, setupTelemetry } from '../src/telemetry.js';
import { layerNames } from './support.js';

// Recorded if anything imports the module that holds the SDK.
const loaded = vi.hoisted(() => [] as string[]);
vi.mock('../src/telemetry-sdk.js', async (importOriginal) => {
  loaded.push('telemetry-sdk');
  return importOriginal();
});

const OPTIONS = { serviceName: 'svc', environment: 'test', flushTimeoutMs: 1000 };
const ENDPOINTS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
];

beforeEach(() => {
  for (const name of [...ENDPOINTS, 'OTEL_SDK_DISABLED']) {
    vi.stubEnv(name, undefined);
  }
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('telemetry off', () => {
  it('only telemetry-sdk.ts imports the SDK, so not loading it loads none of it', () => {
    const importers = readdirSync('src')
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /from '@opentelemetry\/(?!api')/.test(readFileSync(`src/${file}`, 'utf8')));
    expect(importers).toEqual(['telemetry-sdk.ts']);
  });

  it('without an endpoint: no SDK, no middleware, no timer, no connection, no trace ids', async () => {
    // Called through: every connection attempt is recorded with its target.
    const connect = vi.spyOn(Socket.prototype, 'connect');
    const timers = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const telemetry = await setupTelemetry(OPTIONS);
    expect(telemetry).toBe(OFF);
    const lines: string[] = [];
    const logger = createLogger('info', {}, (line) => {
      lines.push(line);
    });
    const app = buildApp({
      health: new HealthChecker([], { cacheTtlMs: 0 }),
      telemetry,
      traceHealthChecks: true,
      routes: (routes) => {
        routes.get('/orders/:orderId', (_req, res) => {
          logger.info('order read');
          res.json({});
        });
      },
    });
    expect(layerNames(app)).not.toContain('traceRequest');
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect((await request(server).get('/orders/1')).status).toBe(200);
      expect((await request(server).get('/health')).status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    await telemetry.shutdown(1000);
    expect(loaded).toEqual([]);
    // The only connections were the test's own, to the app.
    expect(connect).toHaveBeenCalled();
    for (const [target] of connect.mock.calls) {
      expect(JSON.stringify(target)).toContain(String(port));
    }
    // No timer was left behind (one of another test may have ended meanwhile).
    expect(
      process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length,
    ).toBeLessThanOrEqual(timers);
    const line = JSON.parse(lines.find((text) => text.includes('order read')) ?? '{}') as object;
    expect(line).not.toHaveProperty('trace_id');
  });

  it('OTEL_SDK_DISABLED=true wins over an endpoint', async () => {
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://127.0.0.1:4318');
    vi.stubEnv('OTEL_SDK_DISABLED', 'true');
    const load = vi.fn(() => import('../src/telemetry-sdk.js'));
    expect(await setupTelemetry(OPTIONS, load)).toBe(OFF);
    expect(load).not.toHaveBeenCalled();
    expect(loaded).toEqual([]);
  });

  it.each(ENDPOINTS)('%s alone turns it on', async (name) => {
    vi.stubEnv(name, 'http://127.0.0.1:4318/v1/any');
    const created: unknown[] = [];
    const load = () =>
      Promise.resolve({
        createTelemetry: (options: unknown) => {
          created.push(options);
          return OFF;
        },
      });
    await setupTelemetry(OPTIONS, load);
    expect(created).toEqual([
      {
        ...OPTIONS,
        traces: name !== 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
        metrics: name !== 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      },
    ]);
  });

  // Last: proves the check above would have seen the SDK being loaded.
  it('would notice the SDK being loaded', async () => {
    await import('../src/telemetry-sdk.js');
    expect(loaded).toEqual(['telemetry-sdk']);
  });
});

import { describe, expect, it } from 'vitest';

import {
  classifyFailure,
  DependencyError,
  type HealthCheck,
  HealthChecker,
} from '../src/health.js';

function delayed(name: string, ms: number, fail?: Error): HealthCheck & { runs: number } {
  const check = {
    name,
    runs: 0,
    run: async (): Promise<void> => {
      check.runs += 1;
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (fail !== undefined) {
        throw fail;
      }
    },
  };
  return check;
}

const hang: HealthCheck = { name: 'upstream', run: () => new Promise(() => undefined) };

describe('HealthChecker', () => {
  it('runs checks concurrently: the total is the slowest, not the sum', async () => {
    const checker = new HealthChecker([delayed('database', 300), delayed('upstream', 300)]);
    const started = Date.now();
    const report = await checker.check();
    expect(Date.now() - started).toBeLessThan(550);
    expect(report.status).toBe('healthy');
    expect(report.checks.map((check) => check.name)).toEqual(['database', 'upstream']);
  });

  it('times out a hanging check and reports only its class', async () => {
    const checker = new HealthChecker([delayed('database', 1), hang], { timeoutMs: 200 });
    const started = Date.now();
    const report = await checker.check();
    expect(Date.now() - started).toBeLessThan(450);
    expect(report.status).toBe('unhealthy');
    expect(report.checks[1]).toMatchObject({
      name: 'upstream',
      status: 'unhealthy',
      error: 'timeout',
    });
    expect(report.checks[0]).toMatchObject({ name: 'database', status: 'healthy' });
  });

  it('caches the report and shares one run between concurrent callers', async () => {
    let clock = 0;
    const database = delayed('database', 30);
    const checker = new HealthChecker([database], { cacheTtlMs: 2000, now: () => clock });
    await Promise.all([checker.check(), checker.check(), checker.check()]);
    expect(database.runs).toBe(1);
    clock = 1999;
    await checker.check();
    expect(database.runs).toBe(1);
    clock = 2001;
    await checker.check();
    expect(database.runs).toBe(2);
  });

  it('is healthy with no checks', async () => {
    expect(await new HealthChecker([]).check()).toEqual({ status: 'healthy', checks: [] });
  });
});

describe('classifyFailure', () => {
  const withCode = (code: string): Error => Object.assign(new Error('x'), { code });

  it.each([
    [withCode('ECONNREFUSED'), 'refused'],
    [new AggregateError([withCode('ECONNREFUSED')], 'connect failed'), 'refused'],
    [withCode('28P01'), 'auth'],
    [new Error('WRONGPASS invalid username-password pair'), 'auth'],
    [new Error('Connection terminated due to connection timeout'), 'timeout'],
    [new DependencyError('refused', 'offline'), 'refused'],
    [new Error('something else'), 'error'],
    ['not an error', 'error'],
  ])('classifies %s as %s', (error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });
});

import { inspect } from 'node:util';

import { describe, expect, it } from 'vitest';

import { createLogger } from '../src/logger.js';
import {
  SecretAccessDeniedError,
  SecretDecryptionError,
  SecretError,
  SecretFormatError,
  SecretNotFoundError,
  SecretsLoader,
  type SecretsLoaderOptions,
  SecretThrottledError,
} from '../src/secrets.js';
import { FakeSecretsManager } from './fake-secrets-manager.js';

const DB_ID = 'svc/test/db-master';
const CACHE_ID = 'svc/test/redis-auth';
const DB_VALUE = 'pw-Sup3r-s3cret-value';
const CACHE_VALUE = 'token-0123456789-abcdef';

function rdsDocument(password = DB_VALUE): string {
  return JSON.stringify({
    username: 'app_admin',
    password,
    engine: 'postgres',
    host: 'db.internal',
    port: 5432,
    dbname: 'app',
  });
}

function setup(options: Partial<SecretsLoaderOptions> = {}) {
  const fake = new FakeSecretsManager().put(DB_ID, rdsDocument()).put(CACHE_ID, CACHE_VALUE);
  const logs: string[] = [];
  let clock = 1_000_000;
  const sleeps: number[] = [];
  const loader = new SecretsLoader({
    client: fake,
    logger: createLogger('debug', {}, (line) => logs.push(line)),
    now: () => clock,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    ...options,
  });
  return {
    fake,
    loader,
    logs,
    sleeps,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('SecretsLoader cache', () => {
  it('serves repeated reads from memory until the TTL passes', async () => {
    const { fake, loader, advance } = setup();
    expect((await loader.getSecret(CACHE_ID)).reveal()).toBe(CACHE_VALUE);
    await loader.getSecret(CACHE_ID);
    advance(299_000);
    await loader.getSecret(CACHE_ID);
    expect(fake.calls).toHaveLength(1);
    advance(2_000);
    await loader.getSecret(CACHE_ID);
    expect(fake.calls).toHaveLength(2);
  });

  it('makes one API call for many concurrent readers', async () => {
    const { fake, loader } = setup();
    fake.delayMs = 20;
    const values = await Promise.all(Array.from({ length: 25 }, () => loader.getSecret(CACHE_ID)));
    expect(fake.calls).toHaveLength(1);
    expect(new Set(values.map((value) => value.reveal()))).toEqual(new Set([CACHE_VALUE]));
  });

  it('fetches again on a forced refresh and returns the rotated value', async () => {
    const { fake, loader } = setup();
    await loader.getDatabaseCredentials(DB_ID);
    fake.put(DB_ID, rdsDocument('rotated-password-2'));
    expect((await loader.getDatabaseCredentials(DB_ID)).password.reveal()).toBe(DB_VALUE);
    const fresh = await loader.getDatabaseCredentials(DB_ID, { forceRefresh: true });
    expect(fresh.password.reveal()).toBe('rotated-password-2');
    expect(fake.calls).toHaveLength(2);
    expect((await loader.getDatabaseCredentials(DB_ID)).password.reveal()).toBe(
      'rotated-password-2',
    );
    expect(fake.calls).toHaveLength(2);
  });

  it('parses an RDS-managed secret into typed credentials', async () => {
    const { loader } = setup();
    const credentials = await loader.getDatabaseCredentials(DB_ID);
    expect(credentials.username).toBe('app_admin');
    expect(credentials.host).toBe('db.internal');
    expect(credentials.port).toBe(5432);
    expect(credentials.dbname).toBe('app');
  });
});

describe('SecretsLoader retries and errors', () => {
  it('retries throttling with growing backoff, then succeeds', async () => {
    const { fake, loader, sleeps } = setup({ random: () => 1 });
    fake.script(CACHE_ID, { error: 'ThrottlingException' }, { error: 'ThrottlingException' });
    expect((await loader.getSecret(CACHE_ID)).reveal()).toBe(CACHE_VALUE);
    expect(fake.calls).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up with SecretThrottledError after maxAttempts', async () => {
    const { fake, loader } = setup({ maxAttempts: 3 });
    fake.script(
      CACHE_ID,
      { error: 'ThrottlingException' },
      { error: 'ThrottlingException' },
      { error: 'ThrottlingException' },
    );
    await expect(loader.getSecret(CACHE_ID)).rejects.toBeInstanceOf(SecretThrottledError);
    expect(fake.calls).toHaveLength(3);
  });

  it.each([
    ['ResourceNotFoundException', SecretNotFoundError],
    ['AccessDeniedException', SecretAccessDeniedError],
    ['DecryptionFailure', SecretDecryptionError],
    ['InvalidRequestException', SecretError],
  ])('maps %s to a typed error without retrying', async (awsError, type) => {
    const { fake, loader } = setup();
    fake.script(CACHE_ID, { error: awsError });
    const error = await loader.getSecret(CACHE_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(type);
    expect((error as SecretError).secretId).toBe(CACHE_ID);
    expect((error as SecretError).awsErrorName).toBe(awsError);
    expect(fake.calls).toHaveLength(1);
  });

  it('does not cache failures', async () => {
    const { fake, loader } = setup();
    fake.script(CACHE_ID, { error: 'AccessDeniedException' });
    await expect(loader.getSecret(CACHE_ID)).rejects.toBeInstanceOf(SecretAccessDeniedError);
    expect((await loader.getSecret(CACHE_ID)).reveal()).toBe(CACHE_VALUE);
  });
});

describe('SecretsLoader redaction', () => {
  it('never prints a secret value', async () => {
    const { loader, logs } = setup();
    const token = await loader.getSecret(CACHE_ID);
    const credentials = await loader.getDatabaseCredentials(DB_ID);
    const renderings = [
      String(token),
      token.toString(),
      `token=${String(token)}`,
      JSON.stringify(token),
      inspect(token),
      inspect({ nested: { token } }, { depth: 5 }),
      String(credentials),
      JSON.stringify(credentials),
      JSON.stringify({ credentials }),
      inspect(credentials),
      inspect(credentials, { showHidden: true, depth: 5 }),
      JSON.stringify(credentials.password),
      ...logs,
    ];
    for (const text of renderings) {
      expect(text).not.toContain(CACHE_VALUE);
      expect(text).not.toContain(DB_VALUE);
    }
    expect(JSON.parse(JSON.stringify(credentials))).toMatchObject({
      username: 'app_admin',
      password: '[REDACTED]',
    });
    expect(logs.length).toBeGreaterThan(0);
  });

  it('keeps the value out of error messages when the document is malformed', async () => {
    const { fake, loader } = setup();
    fake.put(DB_ID, `not-json ${DB_VALUE}`);
    const error = await loader.getDatabaseCredentials(DB_ID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretFormatError);
    const rendered = [String(error), inspect(error), JSON.stringify(error)].join('\n');
    expect(rendered).not.toContain(DB_VALUE);
    expect((error as Error).cause).toBeUndefined();
  });
});

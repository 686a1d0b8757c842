import { inspect } from 'node:util';

import {
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

import { type Logger, silentLogger } from './logger.js';

export const REDACTED = '[REDACTED]';

/** A secret string that never prints itself: toString, JSON and util.inspect all redact. */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plain value. Call this only where the value is handed to a client library. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretValue(${REDACTED})`;
  }
}

/** The JSON document of an RDS-managed secret; the password stays wrapped. */
export class DatabaseCredentials {
  readonly #password: SecretValue;

  constructor(
    readonly username: string,
    password: string,
    readonly host: string | undefined,
    readonly port: number | undefined,
    readonly dbname: string | undefined,
  ) {
    this.#password = new SecretValue(password);
  }

  get password(): SecretValue {
    return this.#password;
  }

  toJSON(): Record<string, unknown> {
    return {
      username: this.username,
      password: REDACTED,
      host: this.host,
      port: this.port,
      dbname: this.dbname,
    };
  }

  toString(): string {
    return `DatabaseCredentials(${this.username}@${this.host ?? '?'}, password=${REDACTED})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Base class of every loader error. Messages carry the secret id and AWS error name only. */
export class SecretError extends Error {
  override name = 'SecretError';

  constructor(
    readonly secretId: string,
    message: string,
    readonly awsErrorName?: string,
  ) {
    super(message);
  }
}

export class SecretNotFoundError extends SecretError {
  override name = 'SecretNotFoundError';
}

export class SecretAccessDeniedError extends SecretError {
  override name = 'SecretAccessDeniedError';
}

export class SecretDecryptionError extends SecretError {
  override name = 'SecretDecryptionError';
}

export class SecretThrottledError extends SecretError {
  override name = 'SecretThrottledError';
}

/** The secret exists but its value is not what the caller asked for (e.g. not RDS JSON). */
export class SecretFormatError extends SecretError {
  override name = 'SecretFormatError';
}

/** The part of SecretsManagerClient the loader uses; tests pass an in-process fake. */
export interface SecretsManagerLike {
  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
}

export interface SecretsLoaderOptions {
  readonly client?: SecretsManagerLike;
  readonly region?: string | undefined;
  /** How long a value is served from memory. Default 300 000 ms (5 minutes). */
  readonly ttlMs?: number;
  /** Attempts per fetch when AWS throttles or fails transiently. Default 4. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly logger?: Logger;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface GetOptions {
  /** Bypass the cache (e.g. after the database rejected the cached credentials). */
  readonly forceRefresh?: boolean;
}

interface Entry {
  readonly value: SecretValue;
  readonly versionId: string | undefined;
  readonly expiresAt: number;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'Throttling',
]);
const TRANSIENT = new Set([
  'InternalServiceError',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ETIMEDOUT',
]);

function errorName(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && TRANSIENT.has(code) ? code : error.name;
  }
  return 'UnknownError';
}

function mapError(secretId: string, name: string): SecretError {
  switch (name) {
    case 'ResourceNotFoundException':
      return new SecretNotFoundError(secretId, `secret ${secretId} was not found`, name);
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
    case 'ExpiredTokenException':
      return new SecretAccessDeniedError(secretId, `access to secret ${secretId} was denied`, name);
    case 'DecryptionFailure':
      return new SecretDecryptionError(
        secretId,
        `secret ${secretId} could not be decrypted with its KMS key`,
        name,
      );
    default:
      if (THROTTLING.has(name)) {
        return new SecretThrottledError(secretId, `reading secret ${secretId} was throttled`, name);
      }
      return new SecretError(secretId, `reading secret ${secretId} failed (${name})`, name);
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optionalPort(value: unknown): number | undefined {
  const port = typeof value === 'string' ? Number(value) : value;
  return typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536
    ? port
    : undefined;
}

/**
 * Reads Secrets Manager values through an in-memory cache: a TTL (default 5 minutes), one
 * API call for any number of concurrent callers, forced refresh on demand, and retries with
 * jittered exponential backoff on throttling. Only ids, version ids and error names are logged.
 */
export class SecretsLoader {
  #client: SecretsManagerLike | undefined;
  readonly #region: string | undefined;
  readonly #ttlMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Entry>>();

  constructor(options: SecretsLoaderOptions = {}) {
    this.#client = options.client;
    this.#region = options.region;
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 2_000;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#sleep =
      options.sleep ??
      ((ms) =>
        new Promise((resolve) => {
          setTimeout(resolve, ms);
        }));
    this.#random = options.random ?? Math.random;
  }

  /** The secret's string value (SecretString, or SecretBinary decoded as UTF-8). */
  async getSecret(secretId: string, options: GetOptions = {}): Promise<SecretValue> {
    return (await this.#get(secretId, options.forceRefresh ?? false)).value;
  }

  /** An RDS-managed secret parsed into typed credentials. */
  async getDatabaseCredentials(
    secretId: string,
    options: GetOptions = {},
  ): Promise<DatabaseCredentials> {
    const raw = (await this.getSecret(secretId, options)).reveal();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // JSON.parse's own message quotes the input, so it is never passed on.
      throw new SecretFormatError(secretId, `secret ${secretId} is not a JSON document`);
    }
    const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<
      string,
      unknown
    >;
    const username = optionalString(record['username']);
    const password = optionalString(record['password']);
    if (username === undefined || password === undefined) {
      throw new SecretFormatError(
        secretId,
        `secret ${secretId} lacks a username or password field`,
      );
    }
    return new DatabaseCredentials(
      username,
      password,
      optionalString(record['host']),
      optionalPort(record['port']),
      optionalString(record['dbname']),
    );
  }

  /** Drop a cached value so the next read fetches it. */
  invalidate(secretId: string): void {
    this.#cache.delete(secretId);
  }

  #get(secretId: string, forceRefresh: boolean): Promise<Entry> {
    const cached = this.#cache.get(secretId);
    if (!forceRefresh && cached !== undefined && cached.expiresAt > this.#now()) {
      return Promise.resolve(cached);
    }
    // A fetch already under way started after the cached value, so a forced refresh joins it.
    const running = this.#inFlight.get(secretId);
    if (running !== undefined) {
      return running;
    }
    const fetching = this.#fetch(secretId).finally(() => {
      this.#inFlight.delete(secretId);
    });
    this.#inFlight.set(secretId, fetching);
    return fetching;
  }

  async #fetch(secretId: string): Promise<Entry> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const output = await this.#sdk().send(new GetSecretValueCommand({ SecretId: secretId }));
        const entry = this.#toEntry(secretId, output);
        this.#cache.set(secretId, entry);
        this.#logger.info('secret loaded', { secretId, versionId: entry.versionId, attempt });
        return entry;
      } catch (error) {
        if (error instanceof SecretError) {
          throw error;
        }
        const name = errorName(error);
        const retryable = THROTTLING.has(name) || TRANSIENT.has(name);
        if (!retryable || attempt >= this.#maxAttempts) {
          this.#logger.warn('secret read failed', { secretId, awsError: name, attempt });
          throw mapError(secretId, name);
        }
        const cap = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(cap / 2 + (this.#random() * cap) / 2);
        this.#logger.info('secret read retried', { secretId, awsError: name, attempt, delay });
        await this.#sleep(delay);
      }
    }
  }

  #sdk(): SecretsManagerLike {
    // Created on first use; the SDK's own retries are off because this loader owns them.
    this.#client ??= new SecretsManagerClient({ region: this.#region, maxAttempts: 1 });
    return this.#client;
  }

  #toEntry(secretId: string, output: GetSecretValueCommandOutput): Entry {
    let text = output.SecretString;
    if (text === undefined && output.SecretBinary !== undefined) {
      text = Buffer.from(output.SecretBinary).toString('utf8');
    }
    if (text === undefined) {
      throw new SecretFormatError(secretId, `secret ${secretId} has no value`);
    }
    return {
      value: new SecretValue(text),
      versionId: output.VersionId,
      expiresAt: this.#now() + this.#ttlMs,
    };
  }
}

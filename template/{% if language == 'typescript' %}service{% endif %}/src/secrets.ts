import { inspect } from 'node:util';

import { type Logger, silentLogger } from './logger.js';
import { OFF, type Telemetry } from './telemetry.js';

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

export interface SecretErrorOptions {
  /** The backend's own error name or status (e.g. `ThrottlingException`, `PERMISSION_DENIED`, 403). */
  readonly code?: string | undefined;
  /** Whether the loader tries again (throttling and transient faults). */
  readonly retryable?: boolean;
}

/** Base class of every loader error. Messages carry the secret id and error code only. */
export class SecretError extends Error {
  override name = 'SecretError';
  readonly code: string | undefined;
  readonly retryable: boolean;

  constructor(
    readonly secretId: string,
    message: string,
    options: SecretErrorOptions = {},
  ) {
    super(message);
    this.code = options.code;
    this.retryable = options.retryable ?? false;
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

  constructor(secretId: string, message: string, options: SecretErrorOptions = {}) {
    super(secretId, message, { retryable: true, ...options });
  }
}

/** The secrets service failed or could not be reached; retried unless `retryable: false`. */
export class SecretUnavailableError extends SecretError {
  override name = 'SecretUnavailableError';

  constructor(secretId: string, message: string, options: SecretErrorOptions = {}) {
    super(secretId, message, { retryable: true, ...options });
  }
}

/** The secret exists but its value is not what the caller asked for. */
export class SecretFormatError extends SecretError {
  override name = 'SecretFormatError';
}

/** What a backend returns for one read. */
export interface FetchedSecret {
  readonly value: string;
  readonly version: string | undefined;
}

/**
 * One read of one secret through a cloud's official client (see `secrets-*.ts`). It throws
 * SecretError subclasses only, already mapped from the client's own errors.
 */
export type SecretFetch = (secretId: string) => Promise<FetchedSecret>;

export interface SecretsLoaderOptions {
  readonly fetch: SecretFetch;
  /** How long a value is served from memory. Default 300 000 ms (5 minutes). */
  readonly ttlMs?: number;
  /** Attempts per read on throttling and transient errors. Default 4. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly logger?: Logger;
  /** Each read of the store is a `secrets.read` span (the id, never the value); cache counters. */
  readonly telemetry?: Telemetry;
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
  readonly version: string | undefined;
  readonly expiresAt: number;
}

/**
 * Reads secrets through an in-memory cache: a TTL (default 5 minutes), one backend call for
 * any number of concurrent callers, forced refresh on demand, and retries with jittered
 * exponential backoff on throttling and transient faults. The cloud-specific part is the
 * `fetch` function; only ids, versions and error codes are logged.
 */
export class SecretsLoader {
  readonly #fetchOne: SecretFetch;
  readonly #ttlMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: Logger;
  readonly #telemetry: Telemetry;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #cache = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<Entry>>();

  constructor(options: SecretsLoaderOptions) {
    this.#fetchOne = options.fetch;
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 2_000;
    this.#logger = options.logger ?? silentLogger;
    this.#telemetry = options.telemetry ?? OFF;
    this.#now = options.now ?? Date.now;
    this.#sleep =
      options.sleep ??
      ((ms) =>
        new Promise((resolve) => {
          setTimeout(resolve, ms);
        }));
    this.#random = options.random ?? Math.random;
  }

  /** The secret's string value, from memory while fresh. */
  async getSecret(secretId: string, options: GetOptions = {}): Promise<SecretValue> {
    return (await this.#get(secretId, options.forceRefresh ?? false)).value;
  }

  /** Drop a cached value so the next read fetches it. */
  invalidate(secretId: string): void {
    this.#cache.delete(secretId);
  }

  #get(secretId: string, forceRefresh: boolean): Promise<Entry> {
    const cached = this.#cache.get(secretId);
    if (!forceRefresh && cached !== undefined && cached.expiresAt > this.#now()) {
      this.#telemetry.secretCacheHits.add(1);
      return Promise.resolve(cached);
    }
    this.#telemetry.secretCacheMisses.add(1);
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

  #read(secretId: string, attempt: number): Promise<FetchedSecret> {
    if (!this.#telemetry.enabled) {
      return this.#fetchOne(secretId);
    }
    // The id and the attempt only: the value never reaches a span.
    return this.#telemetry.clientSpan(
      'secrets.read',
      { 'secret.id': secretId, 'secret.read.attempt': attempt },
      () => this.#fetchOne(secretId),
    );
  }

  async #fetch(secretId: string): Promise<Entry> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const fetched = await this.#read(secretId, attempt);
        const entry: Entry = {
          value: new SecretValue(fetched.value),
          version: fetched.version,
          expiresAt: this.#now() + this.#ttlMs,
        };
        this.#cache.set(secretId, entry);
        this.#logger.info('secret loaded', { secretId, version: entry.version, attempt });
        return entry;
      } catch (error) {
        // A backend maps its client's errors; anything else is a bug, never worth a retry.
        const failure =
          error instanceof SecretError
            ? error
            : new SecretUnavailableError(secretId, `reading secret ${secretId} failed`, {
                code: error instanceof Error ? error.name : 'UnknownError',
                retryable: false,
              });
        if (!failure.retryable || attempt >= this.#maxAttempts) {
          this.#logger.warn('secret read failed', {
            secretId,
            error: failure.name,
            code: failure.code,
            attempt,
          });
          throw failure;
        }
        const cap = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
        const delay = Math.round(cap / 2 + (this.#random() * cap) / 2);
        this.#logger.info('secret read retried', { secretId, code: failure.code, attempt, delay });
        await this.#sleep(delay);
      }
    }
  }
}

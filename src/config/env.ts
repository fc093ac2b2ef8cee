// The only reader of process.env. Every setting is parsed and validated here; a bad value stops start-up with a
// message naming the variable.
import { z } from 'zod';

/** An endpoint the service calls out to (alerts, the namer, embeddings). */
const httpUrl = z.string().refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), 'must be an http:// or https:// URL');
const onOff = z.enum(['on', 'off']);

/**
 * Browser origins allowed to call the API across origins (CORS), comma-separated, e.g.
 * "https://app.example.com,http://localhost:5173", or "*" for any. Unset: no CORS headers, so only same-origin pages
 * (and non-browser clients) can call. Safe to open: every request needs an API key in the Authorization header, and
 * no cookie ever authenticates.
 */
const corsOrigins = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
  .pipe(
    z.array(
      z.union([
        z.literal('*'),
        z.string().refine((o) => URL.canParse(o) && new URL(o).origin === o, 'must be an origin such as https://app.example.com (scheme, host and port; no path or trailing slash)'),
      ]),
    ),
  );
/** The database timeouts' defaults (DATABASE_*_TIMEOUT_MS below), also used by code that connects without an Env. */
export const DATABASE_TIMEOUT_DEFAULTS = {
  /**
   * A request's statements (and the jobs' other than model writes): well above a 10,000-event ingest's (about 1 s) or a
   * population scan of a million profiles, and short enough that a stuck database fails a request within 11 s.
   */
  statementTimeoutMs: 10_000,
  connectTimeoutMs: 5_000,
  /** long jobs: a million assignments written in one transaction */
  jobStatementTimeoutMs: 30 * 60_000,
} as const;

export interface DatabaseTimeouts {
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  jobStatementTimeoutMs: number;
}

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /**
   * The address to listen on. Unset: 127.0.0.1, this machine only (the development key must not give ADMIN to the
   * network); set HOST=0.0.0.0 to accept connections from elsewhere (the Docker image and docker-compose do).
   */
  HOST: z.string().min(1).optional(),
  /** When absent, an embedded PostgreSQL is started with its data under PORTRAIT_DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  PORTRAIT_DATA_DIR: z.string().min(1).default('.data/postgres'),
  PORTRAIT_EMBEDDED_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** Demo data: default on for the embedded database, off for DATABASE_URL. */
  PORTRAIT_DEMO: onOff.optional(),
  PORTRAIT_DEMO_USERS: z.coerce.number().int().min(10).max(1_000_000).default(3000),
  PORTRAIT_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  PORTRAIT_CONFIG: z.string().min(1).default('config/portrait.json'),
  /** Run this process's job worker / its schedules (a process can serve the API only). */
  PORTRAIT_WORKER: onOff.default('on'),
  PORTRAIT_SCHEDULES: onOff.default('on'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  PORTRAIT_CORS_ORIGINS: corsOrigins.default([]),
  /** The segment explorer at /dashboard (served in production too; it holds no data, every number comes from /graphql). */
  PORTRAIT_DASHBOARD: onOff.default('on'),
  /**
   * Bounds on every database call (milliseconds), so a lost or frozen database fails a request with the retryable
   * SERVICE_UNAVAILABLE instead of holding it: the server cancels a statement after DATABASE_STATEMENT_TIMEOUT_MS, the
   * client gives up one second later when the server does not answer at all, and opening a connection gives up after
   * DATABASE_CONNECT_TIMEOUT_MS. Long jobs (writing a trained model and its assignments, activating a model) run on
   * their own connections bounded by DATABASE_JOB_STATEMENT_TIMEOUT_MS.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(DATABASE_TIMEOUT_DEFAULTS.connectTimeoutMs),
  DATABASE_JOB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(86_400_000).default(DATABASE_TIMEOUT_DEFAULTS.jobStatementTimeoutMs),
  /**
   * Health alerts: when the status worsens, POST it to this URL, signed with PORTRAIT_ALERT_SECRET (HMAC-SHA256 of the
   * body, header X-Portrait-Signature: sha256=<hex>); at most one alert per issue code per PORTRAIT_ALERT_INTERVAL_MINUTES.
   */
  PORTRAIT_ALERT_URL: httpUrl.optional(),
  PORTRAIT_ALERT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  PORTRAIT_ALERT_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /**
   * membershipChanges subscriptions: changes a subscriber may have waiting (not yet written to its socket) before it is
   * disconnected as too slow (close 1013), so a client that stops reading cannot grow the process's memory.
   */
  PORTRAIT_SUBSCRIPTION_BUFFER: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  /**
   * Webhooks (src/modules/webhooks/). In production a webhook URL whose host resolves to a loopback, private,
   * link-local, CGNAT, unique-local, multicast or unspecified address is refused, at creation and at every delivery,
   * unless PORTRAIT_WEBHOOK_ALLOW_PRIVATE=on (receivers on the operator's own network). A failed delivery is retried
   * after RETRY_BASE_MS, doubling up to RETRY_MAX_MS (times a random 0.5 to 1, so retries of many deliveries spread),
   * until RETRY_WINDOW_MS after it was first due; then the hook is disabled with the reason.
   */
  PORTRAIT_WEBHOOK_ALLOW_PRIVATE: onOff.default('off'),
  PORTRAIT_WEBHOOK_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  PORTRAIT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PORTRAIT_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  PORTRAIT_WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  PORTRAIT_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(10_000),
  PORTRAIT_WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
  PORTRAIT_WEBHOOK_RETRY_WINDOW_MS: z.coerce.number().int().min(100).max(30 * 86_400_000).default(86_400_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The language model that names and describes segments: an OpenAI-compatible chat-completions endpoint (OpenAI,
   * Ollama, vLLM, DashScope's compatible mode), e.g. https://api.openai.com/v1 with a model such as gpt-4o-mini.
   * Unset: the catalogue names them. The base URL and the model go together; the key is sent as a Bearer token.
   */
  PORTRAIT_NAMER_BASE_URL: httpUrl.optional(),
  PORTRAIT_NAMER_MODEL: z.string().max(200).optional(),
  PORTRAIT_NAMER_API_KEY: z.string().optional(),
  /**
   * How often a process looks for a newer text model version (topics, sentiment model) to score new reviews with; the
   * topics rescore job waits twice this before its last sweep for reviews scored with an older version.
   */
  PORTRAIT_TEXT_MODEL_REFRESH_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** Per attempt; a timeout, a 429 or a 5xx is retried twice with backoff before the catalogue steps in. */
  PORTRAIT_NAMER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** on: the prompt may carry a few example reviews per segment (users' own words leave the service); off: aggregates only. */
  PORTRAIT_NAMER_EXAMPLES: onOff.default('off'),
  /**
   * The review embeddings: an OpenAI-compatible /embeddings endpoint (OpenAI, Ollama, vLLM, DashScope's compatible
   * mode), with its model. Unset: the offline hashed TF-IDF vector, computed at ingest. Set: ingest writes each review
   * with its embedding pending and the backfill (src/modules/text/embedding-backfill.ts) asks the endpoint.
   */
  PORTRAIT_EMBEDDINGS_BASE_URL: httpUrl.optional(),
  PORTRAIT_EMBEDDINGS_MODEL: z.string().min(1).max(200).optional(),
  PORTRAIT_EMBEDDINGS_API_KEY: z.string().optional(),
  /** reviews per request */
  PORTRAIT_EMBEDDINGS_BATCH: z.coerce.number().int().min(1).max(2048).default(64),
  /** per request; a timeout, a 429 or a 5xx is retried with backoff (the reviews stay pending meanwhile) */
  PORTRAIT_EMBEDDINGS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** sent as `dimensions` (models that can shorten their vectors, e.g. text-embedding-3-*); unset: the model's own */
  PORTRAIT_EMBEDDINGS_DIMENSIONS: z.coerce.number().int().min(1).max(16_384).optional(),
  /**
   * on: the model is multilingual (a Chinese and an English review saying the same thing land close), so the reduced
   * mean-embedding dimensions join the default TEXT feature group; off: they are used only when a request names them.
   */
  PORTRAIT_EMBEDDINGS_MULTILINGUAL: onOff.default('off'),
});

export type Env = Omit<z.infer<typeof EnvSchema>, 'HOST'> & {
  HOST: string;
  /** true when HOST was unset and the service listens on 127.0.0.1 only */
  hostDefaulted: boolean;
  /** true when PORTRAIT_ADMIN_KEY was unset and DEV_ADMIN_KEY stands in */
  usingDevAdminKey: boolean;
};

/**
 * Outside production an unset PORTRAIT_ADMIN_KEY falls back to this documented key, so `npm start` on a fresh machine
 * can be explored at once; production refuses to start without a real key.
 */
export const DEV_ADMIN_KEY = 'portrait-dev-admin-key';

/** Where the service listens when HOST is unset: this machine only. */
const DEFAULT_HOST = '127.0.0.1';

export class ConfigError extends Error {}

/** Parses the given environment (process.env by default). Empty strings count as unset. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  if (parsed.data.PORTRAIT_ALERT_URL && !parsed.data.PORTRAIT_ALERT_SECRET) {
    throw new ConfigError('invalid environment:\n  PORTRAIT_ALERT_SECRET: required with PORTRAIT_ALERT_URL (alerts are signed)');
  }
  const { HOST, ...env } = parsed.data;
  if ((env.PORTRAIT_NAMER_BASE_URL === undefined) !== (env.PORTRAIT_NAMER_MODEL === undefined)) {
    throw new ConfigError('invalid environment:\n  PORTRAIT_NAMER_BASE_URL, PORTRAIT_NAMER_MODEL: set both (a language model names segments) or neither (the catalogue does)');
  }
  if ((env.PORTRAIT_EMBEDDINGS_BASE_URL === undefined) !== (env.PORTRAIT_EMBEDDINGS_MODEL === undefined)) {
    throw new ConfigError('invalid environment:\n  PORTRAIT_EMBEDDINGS_BASE_URL, PORTRAIT_EMBEDDINGS_MODEL: set both (an endpoint embeds reviews) or neither (the offline hashed embedding)');
  }
  if (env.PORTRAIT_EMBEDDINGS_MULTILINGUAL === 'on' && env.PORTRAIT_EMBEDDINGS_BASE_URL === undefined) {
    throw new ConfigError('invalid environment:\n  PORTRAIT_EMBEDDINGS_MULTILINGUAL: on needs an embeddings endpoint (the offline hashed embedding is language-bound)');
  }
  const host = { HOST: HOST ?? DEFAULT_HOST, hostDefaulted: HOST === undefined };
  // The published key counts as the development key however it arrives (unset, or written out in a compose file).
  if (!env.PORTRAIT_ADMIN_KEY || env.PORTRAIT_ADMIN_KEY === DEV_ADMIN_KEY) {
    if (env.NODE_ENV === 'production') {
      throw new ConfigError('invalid environment:\n  PORTRAIT_ADMIN_KEY: required in production (and not the published development key)');
    }
    return { ...env, ...host, PORTRAIT_ADMIN_KEY: DEV_ADMIN_KEY, usingDevAdminKey: true };
  }
  return { ...env, ...host, usingDevAdminKey: false };
}

/** The configured chat endpoint that names segments, or null (the catalogue names them). */
export interface NamerSettings {
  baseUrl: string;
  model: string;
  apiKey: string | null;
  timeoutMs: number;
  /** the prompt may carry example reviews */
  examples: boolean;
}

export function namerSettings(env: Env): NamerSettings | null {
  if (env.PORTRAIT_NAMER_BASE_URL === undefined || env.PORTRAIT_NAMER_MODEL === undefined) return null;
  return {
    baseUrl: env.PORTRAIT_NAMER_BASE_URL,
    model: env.PORTRAIT_NAMER_MODEL,
    apiKey: env.PORTRAIT_NAMER_API_KEY ?? null,
    timeoutMs: env.PORTRAIT_NAMER_TIMEOUT_MS,
    examples: env.PORTRAIT_NAMER_EXAMPLES === 'on',
  };
}

/** The configured embeddings endpoint, or null (the offline hashed embedding). */
export interface EmbeddingsSettings {
  baseUrl: string;
  model: string;
  apiKey: string | null;
  batch: number;
  timeoutMs: number;
  /** the `dimensions` asked for (null: the model's own) */
  dimensions: number | null;
}

export function embeddingsSettings(env: Env): EmbeddingsSettings | null {
  if (env.PORTRAIT_EMBEDDINGS_BASE_URL === undefined || env.PORTRAIT_EMBEDDINGS_MODEL === undefined) return null;
  return {
    baseUrl: env.PORTRAIT_EMBEDDINGS_BASE_URL,
    model: env.PORTRAIT_EMBEDDINGS_MODEL,
    apiKey: env.PORTRAIT_EMBEDDINGS_API_KEY ?? null,
    batch: env.PORTRAIT_EMBEDDINGS_BATCH,
    timeoutMs: env.PORTRAIT_EMBEDDINGS_TIMEOUT_MS,
    dimensions: env.PORTRAIT_EMBEDDINGS_DIMENSIONS ?? null,
  };
}

export function databaseTimeouts(env: Env): DatabaseTimeouts {
  return {
    statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
    jobStatementTimeoutMs: env.DATABASE_JOB_STATEMENT_TIMEOUT_MS,
  };
}

/** How webhooks are delivered (PORTRAIT_WEBHOOK_*). */
export interface WebhookSettings {
  /** refuse hosts that resolve to non-public addresses (production without PORTRAIT_WEBHOOK_ALLOW_PRIVATE=on) */
  publicOnly: boolean;
  connectTimeoutMs: number;
  timeoutMs: number;
  concurrency: number;
  pollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  retryWindowMs: number;
}

export function webhookSettings(env: Env): WebhookSettings {
  return {
    publicOnly: env.NODE_ENV === 'production' && env.PORTRAIT_WEBHOOK_ALLOW_PRIVATE === 'off',
    connectTimeoutMs: env.PORTRAIT_WEBHOOK_CONNECT_TIMEOUT_MS,
    timeoutMs: env.PORTRAIT_WEBHOOK_TIMEOUT_MS,
    concurrency: env.PORTRAIT_WEBHOOK_CONCURRENCY,
    pollMs: env.PORTRAIT_WEBHOOK_POLL_MS,
    retryBaseMs: env.PORTRAIT_WEBHOOK_RETRY_BASE_MS,
    retryMaxMs: env.PORTRAIT_WEBHOOK_RETRY_MAX_MS,
    retryWindowMs: env.PORTRAIT_WEBHOOK_RETRY_WINDOW_MS,
  };
}

// The only reader of process.env. Every setting is parsed and validated here; a bad value stops start-up with a
// message naming the variable.
import { z } from 'zod';

const onOff = z.enum(['on', 'off']);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('0.0.0.0'),
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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof EnvSchema> & {
  /** true when PORTRAIT_ADMIN_KEY was unset and DEV_ADMIN_KEY stands in */
  usingDevAdminKey: boolean;
};

/**
 * Outside production an unset PORTRAIT_ADMIN_KEY falls back to this documented key, so `npm start` on a fresh machine
 * can be explored at once; production refuses to start without a real key.
 */
export const DEV_ADMIN_KEY = 'portrait-dev-admin-key';

export class ConfigError extends Error {}

/** Parses the given environment (process.env by default). Empty strings count as unset. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  if (!env.PORTRAIT_ADMIN_KEY) {
    if (env.NODE_ENV === 'production') throw new ConfigError('invalid environment:\n  PORTRAIT_ADMIN_KEY: required in production');
    return { ...env, PORTRAIT_ADMIN_KEY: DEV_ADMIN_KEY, usingDevAdminKey: true };
  }
  return { ...env, usingDevAdminKey: false };
}

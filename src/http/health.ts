// Liveness and readiness.
// - GET /health: the process is up and serving HTTP (no I/O). 200 {status:"ok"}.
// - GET /ready: the database answers `SELECT 1` within READY_TIMEOUT_MS and every migration this build ships is
//   recorded as applied in `_prisma_migrations`. 200 {status:"ready"}, else 503 {status:"unavailable", reason}.
//   The reason is meant for operators but is sent to anyone, so it never carries the driver's error text (host names,
//   user names); that goes to the log.
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/client.ts';
import { readMigrations } from '../db/migrate.ts';
import type { Logger } from '../logger.ts';

const READY_TIMEOUT_MS = 2_000;

type Readiness =
  | { ready: true; migrations: number }
  | { ready: false; reason: string; pending?: string[] };

class Timeout extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Checks the database and the migrations; never throws. */
export async function checkReadiness(
  db: Db,
  logger: Logger,
  opts: { timeoutMs?: number; migrations?: string[] } = {},
): Promise<Readiness> {
  const timeoutMs = opts.timeoutMs ?? READY_TIMEOUT_MS;
  const expected = opts.migrations ?? readMigrations().map((m) => m.name);
  const work = (async (): Promise<Readiness> => {
    try {
      await db.$queryRaw`SELECT 1`;
    } catch (err) {
      logger.warn({ err }, 'readiness: database unreachable');
      return { ready: false, reason: 'database unreachable' };
    }
    const table = await db.$queryRaw<{ t: string | null }[]>`SELECT to_regclass('"_prisma_migrations"')::text AS t`;
    const applied = table[0]?.t
      ? await db.$queryRaw<{ migration_name: string }[]>`
          SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`
      : [];
    const done = new Set(applied.map((r) => r.migration_name));
    const pending = expected.filter((name) => !done.has(name));
    if (pending.length > 0) return { ready: false, reason: `${pending.length} migration(s) not applied`, pending };
    return { ready: true, migrations: expected.length };
  })();
  try {
    return await within(timeoutMs, work);
  } catch (err) {
    if (err instanceof Timeout) {
      logger.warn({ timeoutMs }, 'readiness: database did not answer in time');
      return { ready: false, reason: `database did not answer within ${timeoutMs} ms` };
    }
    logger.warn({ err }, 'readiness: migration check failed');
    return { ready: false, reason: 'migration check failed' };
  }
}

export function registerHealthRoutes(app: FastifyInstance, deps: { db: Db; logger: Logger; timeoutMs?: number }): void {
  // The migrations this build ships do not change while it runs: read them once.
  const migrations = readMigrations().map((m) => m.name);
  app.get('/health', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    return { status: 'ok' };
  });
  app.get('/ready', async (_request, reply) => {
    const r = await checkReadiness(deps.db, deps.logger, { migrations, ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}) });
    void reply.header('cache-control', 'no-store');
    if (r.ready) return { status: 'ready', migrations: r.migrations };
    void reply.code(503);
    return { status: 'unavailable', reason: r.reason, ...(r.pending ? { pending: r.pending } : {}) };
  });
}

// Opens the service's database: DATABASE_URL when given, otherwise an embedded PostgreSQL whose data lives under
// PORTRAIT_DATA_DIR. Pending migrations are applied either way before anything else touches it.
import { withClient } from './with-client.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../logger.ts';
import { connect, type Database } from './client.ts';
import { databaseTimeouts } from '../config/env.ts';
import type { EmbeddedDatabase } from './embedded.ts';
import { migrate } from './migrate.ts';

interface OpenDatabase extends Database {
  url: string;
  embedded: boolean;
}

const EMBEDDED_DB = 'portrait';

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, async (client) => {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  });
}

/** How often the service checks that its embedded postmaster is alive, and how it retries starting it again. */
const EMBEDDED_WATCH_MS = 1_000;
const RESTART_DELAYS_MS = [0, 1_000, 2_000, 4_000, 8_000];

interface OpenDatabaseHooks {
  /** the embedded PostgreSQL died and could not be started again; by default the process exits with 1 */
  onEmbeddedLost?: (err: Error) => void;
}

/**
 * The embedded postmaster can die under a running service (killed, out of memory). It is started again here, since
 * `npm start` on a laptop has no supervisor to restart the whole service, and the pool reconnects by itself. If it
 * cannot be started after a few tries, something is wrong with the folder or the machine: the process then exits
 * non-zero (a supervisor, if any, restarts it; the next start clears what the dead postmaster left behind).
 */
function watchEmbedded(server: EmbeddedDatabase, logger: Logger, onLost: (err: Error) => void): () => void {
  let restarting = false;
  const timer = setInterval(() => {
    if (restarting || server.pid() !== undefined) return;
    restarting = true;
    logger.error('the embedded PostgreSQL stopped running; starting it again');
    void (async () => {
      let last: Error | undefined;
      for (const delay of RESTART_DELAYS_MS) {
        await new Promise((r) => setTimeout(r, delay));
        try {
          await server.restart();
          logger.warn('the embedded PostgreSQL is running again');
          restarting = false;
          return;
        } catch (err) {
          last = err instanceof Error ? err : new Error(String(err));
          logger.warn({ err: last }, 'the embedded PostgreSQL did not start again yet');
        }
      }
      clearInterval(timer);
      onLost(last ?? new Error('the embedded PostgreSQL did not start again'));
    })();
  }, EMBEDDED_WATCH_MS);
  timer.unref();
  return () => clearInterval(timer);
}

const exitOnLost = (logger: Logger) => (err: Error) => {
  logger.fatal({ err }, 'the embedded PostgreSQL could not be started again: exiting so that a supervisor can restart Portrait');
  process.exit(1);
};

export async function openDatabase(env: Env, logger: Logger, hooks: OpenDatabaseHooks = {}): Promise<OpenDatabase> {
  let url = env.DATABASE_URL;
  let embedded: { server: EmbeddedDatabase; unwatch: () => void } | undefined;
  if (!url) {
    // Imported here, not at the top: only a service that runs the embedded server should load that library.
    const { startEmbeddedPostgres } = await import('./embedded.ts');
    const server = await startEmbeddedPostgres({
      dataDir: env.PORTRAIT_DATA_DIR,
      port: env.PORTRAIT_EMBEDDED_PORT || undefined,
      persistent: true,
      log: (message) => logger.warn(message),
    });
    try {
      await ensureDatabase(server.url, EMBEDDED_DB);
    } catch (err) {
      await server.stop();
      throw err;
    }
    embedded = { server, unwatch: watchEmbedded(server, logger, hooks.onEmbeddedLost ?? exitOnLost(logger)) };
    url = server.socketUrl.replace(/\/postgres$/, `/${EMBEDDED_DB}`);
    logger.info({ dataDir: env.PORTRAIT_DATA_DIR }, 'started embedded PostgreSQL');
  }
  try {
    const applied = await migrate(url, (msg) => logger.info(msg));
    if (applied.length) logger.info({ applied }, 'database migrated');
  } catch (err) {
    embedded?.unwatch();
    await embedded?.server.stop();
    throw err;
  }
  const database = connect(url, env.DATABASE_POOL_SIZE, databaseTimeouts(env));
  return {
    ...database,
    url,
    embedded: embedded !== undefined,
    async close() {
      embedded?.unwatch();
      await database.close();
      await embedded?.server.stop();
    },
  };
}

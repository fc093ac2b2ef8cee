// Opens the service's database: DATABASE_URL when given, otherwise an embedded PostgreSQL whose data lives under
// PORTRAIT_DATA_DIR. Pending migrations are applied either way before anything else touches it.
import { withClient } from './with-client.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../logger.ts';
import { connect, type Database } from './client.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrate } from './migrate.ts';

export interface OpenDatabase extends Database {
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

export async function openDatabase(env: Env, logger: Logger): Promise<OpenDatabase> {
  let url = env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!url) {
    const pgServer = await startEmbeddedPostgres({ dataDir: env.PORTRAIT_DATA_DIR, port: env.PORTRAIT_EMBEDDED_PORT || undefined, persistent: true });
    stopEmbedded = pgServer.stop;
    await ensureDatabase(pgServer.url, EMBEDDED_DB);
    url = pgServer.url.replace(/\/postgres$/, `/${EMBEDDED_DB}`);
    logger.info({ dataDir: env.PORTRAIT_DATA_DIR }, 'started embedded PostgreSQL');
  }
  const applied = await migrate(url, (msg) => logger.info(msg));
  if (applied.length) logger.info({ applied }, 'database migrated');
  const database = connect(url, env.DATABASE_POOL_SIZE);
  return {
    ...database,
    url,
    embedded: stopEmbedded !== undefined,
    async close() {
      await database.close();
      await stopEmbedded?.();
    },
  };
}

// The migrated template every test database is copied from (CREATE DATABASE ... TEMPLATE), so the migrations run once
// per server and migration set instead of once per test file.
//
// The template is named by a hash of the migrations (names and checksums): a new or edited migration gets a new
// template, and an existing one is reused only for exactly the migrations it was built from. It is built under a
// temporary name and renamed when complete, so a template under its final name is always fully migrated, and two
// runners building it at once both succeed (the second rename fails and that runner uses the first one's).
// CREATE DATABASE ... TEMPLATE fails while any session is connected to the template, so the finished template refuses
// connections (ALLOW_CONNECTIONS false): nobody, not even a test that inspects it, can hold it open.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type pg from 'pg';
import { withClient } from '../../src/db/with-client.ts';
import { migrate, readMigrations, type Migration } from '../../src/db/migrate.ts';

/** The environment variable `npm test` passes the template's name in, to every test process. */
export const TEMPLATE_ENV = 'PORTRAIT_TEST_TEMPLATE';

const TEMPLATE_PREFIX = 'portrait_template_';
/** The name comes from the environment and goes into SQL as an identifier: only names we generate pass. */
export const TemplateName = z.string().regex(new RegExp(`^${TEMPLATE_PREFIX}[0-9a-f]{16}$`), `must be ${TEMPLATE_PREFIX} and 16 hex digits`);

const DUPLICATE_DATABASE = '42P04';

export function templateName(migrations: readonly Migration[]): string {
  const hash = createHash('sha256');
  for (const m of migrations) hash.update(`${m.name}\0${m.checksum}\0`);
  return `${TEMPLATE_PREFIX}${hash.digest('hex').slice(0, 16)}`;
}

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

const admin = <T>(serverUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(serverUrl, fn);

async function databaseExists(c: pg.Client, name: string): Promise<boolean> {
  const r = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return r.rowCount === 1;
}

/** Drops a database, template or not, ending any session on it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl, async (c) => {
    if (!(await databaseExists(c, name))) return;
    // PostgreSQL refuses to drop a template database
    await c.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE false`);
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

export interface TemplateResult {
  name: string;
  /** false when a template for these migrations was already on the server */
  built: boolean;
}

/** Makes sure the server holds the template for these migrations; safe to call from several processes at once. */
export async function ensureTemplateDatabase(serverUrl: string, migrations: readonly Migration[] = readMigrations()): Promise<TemplateResult> {
  const name = templateName(migrations);
  if (await admin(serverUrl, (c) => databaseExists(c, name))) return { name, built: false };
  const building = `${name}_build_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE "${building}"`));
  try {
    await migrate(databaseUrl(serverUrl, building), () => {}, [...migrations]);
    const built = await admin(serverUrl, async (c) => {
      await c.query(`ALTER DATABASE "${building}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      try {
        await c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
        return true;
      } catch (err) {
        if (err instanceof Error && 'code' in err && err.code === DUPLICATE_DATABASE) return false; // another runner finished first
        throw err;
      }
    });
    return { name, built };
  } finally {
    // after a successful rename there is nothing left under the building name
    await dropDatabase(serverUrl, building);
  }
}

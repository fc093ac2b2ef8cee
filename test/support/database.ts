// Each test file gets its own database on the server named by DATABASE_URL (set by `npm test`), copied from the
// migrated template (template-database.ts) rather than migrated anew.
import { randomBytes } from 'node:crypto';
import { connect, type Database } from '../../src/db/client.ts';
import { withClient } from '../../src/db/with-client.ts';
import { databaseUrl, ensureTemplateDatabase, TEMPLATE_ENV, TemplateName } from './template-database.ts';

export interface TestDatabase extends Database {
  url: string;
  /** empties every table, keeping the schema */
  reset(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test`, which provides a database');
  return url;
}

let ensured: Promise<string> | undefined;

/** The template `npm test` built for this run, or (a test file run on its own) one made sure of once per process. */
function template(server: string): Promise<string> {
  const given = process.env[TEMPLATE_ENV];
  if (given) {
    const parsed = TemplateName.safeParse(given);
    if (!parsed.success) return Promise.reject(new Error(`${TEMPLATE_ENV}: ${parsed.error.issues[0]?.message}`));
    return Promise.resolve(parsed.data);
  }
  ensured ??= ensureTemplateDatabase(server).then((t) => t.name);
  return ensured;
}

// Every table of the database except the migrations' own record, read from the catalogue at each reset, so a table
// added by a migration is emptied too without anyone editing a list.
const TABLES = `
  SELECT format('%I.%I', schemaname, tablename) AS name
  FROM pg_tables
  WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_%'
    AND NOT (schemaname = current_schema() AND tablename = '_prisma_migrations')
  ORDER BY 1`;

export async function createTestDatabase(): Promise<TestDatabase> {
  const server = serverUrl();
  const name = `portrait_test_${randomBytes(6).toString('hex')}`;
  const from = await template(server);
  await withClient(server, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${from}"`));
  const url = databaseUrl(server, name);
  const database = connect(url, 20);
  return {
    ...database,
    url,
    async reset() {
      const tables = (await database.pool.query<{ name: string }>(TABLES)).rows.map((r) => r.name);
      // The server's background loops (jobs, webhook fan-out and delivery) keep touching tables: TRUNCATE's locks,
      // taken table by table, can meet theirs in the other order, and PostgreSQL then aborts one side. Try again.
      for (let attempt = 1; tables.length > 0; attempt++) {
        try {
          await database.pool.query(`TRUNCATE ${tables.join(', ')} RESTART IDENTITY CASCADE`);
          break;
        } catch (err) {
          if (attempt === 5 || !(err instanceof Error && 'code' in err && err.code === '40P01')) throw err;
        }
      }
      // The one-row tables the migrations seed. The audience generation must move past every value a running server
      // may have compiled its live audiences at (it only ever grows in production); a restart from 0 could match a
      // stale compilation naming audiences that no longer exist.
      await database.pool.query(`INSERT INTO audience_generation (id, generation) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET generation = GREATEST(audience_generation.generation, EXCLUDED.generation)`, [Date.now()]);
      await database.pool.query(`INSERT INTO webhook_fanout (id, txid, last_id) VALUES (1, '0'::xid8, 0) ON CONFLICT (id) DO NOTHING`);
    },
    async close() {
      await database.close();
      await withClient(server, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

// Applies prisma/migrations/*/migration.sql in order and records each in `_prisma_migrations` exactly as
// `prisma migrate deploy` does (same table, checksum = SHA-256 of the file), so either tool accepts the database.
// We need our own runner because Prisma 7's CLI cannot fetch its schema engine on these machines.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type pg from 'pg';
import { withClient } from './with-client.ts';

export const MIGRATIONS_DIR = resolve(import.meta.dirname, '..', '..', 'prisma', 'migrations');
// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK_KEY = 72_707_369;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

async function appliedRows(c: pg.Client): Promise<AppliedRow[]> {
  const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const r = await c.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
  );
  return r.rows;
}

/** Applies pending migrations; safe to call from several processes at once (advisory lock). Returns their names. */
export async function migrate(url: string, log: (msg: string) => void = () => {}, migrations = readMigrations()): Promise<string[]> {
  return withClient(url, async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await c.query(CREATE_TABLE);
      const rows = await appliedRows(c);
      const failed = rows.find((r) => !r.finished_at);
      if (failed) {
        throw new Error(`migration ${failed.migration_name} failed earlier and was not rolled back; fix the database, then mark it rolled back`);
      }
      const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
      const ran: string[] = [];
      for (const m of migrations) {
        const known = applied.get(m.name);
        if (known !== undefined) {
          if (known !== m.checksum) log(`warning: migration ${m.name} was edited after it was applied`);
          continue;
        }
        const id = randomUUID();
        await c.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)`, [id, m.checksum, m.name]);
        try {
          await c.query('BEGIN');
          await c.query(m.sql);
          await c.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
          await c.query('COMMIT');
        } catch (err) {
          await c.query('ROLLBACK');
          const message = err instanceof Error ? err.message : String(err);
          await c.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
          throw new Error(`migration ${m.name} failed: ${message}`);
        }
        log(`applied migration ${m.name}`);
        ran.push(m.name);
      }
      return ran;
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  });
}

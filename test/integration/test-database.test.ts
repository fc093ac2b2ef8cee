// The test harness itself: databases copied from the migrated template, reset() emptying every table, and the
// template rebuilt (once, even when asked for concurrently) when the migrations change.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { withClient } from '../../src/db/with-client.ts';
import { readMigrations, type Migration } from '../../src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { databaseUrl, dropDatabase, ensureTemplateDatabase, TEMPLATE_ENV, templateName } from '../support/template-database.ts';

const server = process.env.DATABASE_URL!;

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.close());

async function databaseNames(like: string): Promise<string[]> {
  return (await withClient(server, (c) => c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [like]))).rows.map((r) => r.datname);
}

describe('test databases', () => {
  it('are copies of the template for the current migrations, with every migration recorded as applied', async () => {
    const migrations = readMigrations();
    assert.ok(migrations.length > 0);
    assert.equal(process.env[TEMPLATE_ENV], templateName(migrations), 'npm test passes the template of these migrations');
    const applied = await database.pool.query<{ migration_name: string; checksum: string; finished: boolean }>(
      `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    assert.deepEqual(applied.rows, migrations.map((m) => ({ migration_name: m.name, checksum: m.checksum, finished: true })));
  });

  it('are independent of each other', async () => {
    const other = await createTestDatabase();
    try {
      assert.notEqual(other.url, database.url);
      await database.db.user.create({ data: { id: 'only-here' } });
      assert.equal(await other.db.user.count(), 0);
      assert.equal(await database.db.user.count({ where: { id: 'only-here' } }), 1);
    } finally {
      await other.close();
    }
  });

  it('reset() empties every table, one added after the harness was written too, keeps the migration record and re-seeds the one-row tables', async () => {
    const db = database.db;
    // a table no hand-written list could know about, as a new migration would add
    await database.pool.query(`CREATE TABLE harness_added (id serial PRIMARY KEY, note text NOT NULL)`);
    await database.pool.query(`INSERT INTO harness_added (note) VALUES ('a'), ('b')`);
    await db.user.create({ data: { id: 'u1', profile: { create: {} } } });
    await db.apiKey.create({ data: { name: 'k', role: 'READ', hash: 'h', prefix: 'p' } });
    await db.populationStats.create({ data: { id: 'current', labelThresholds: {}, rfmCuts: {}, population: 1, computedAt: new Date() } });
    await db.job.create({ data: { kind: 'test' } });

    await database.reset();

    const tables = await database.pool.query<{ name: string }>(
      `SELECT format('%I', tablename) AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`,
    );
    assert.ok(tables.rows.some((t) => t.name === 'harness_added'));
    for (const { name } of tables.rows) {
      const n = (await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`)).rows[0]!.n;
      if (name === '_prisma_migrations') assert.equal(n, readMigrations().length, 'the migration record stays');
      // seeded by their migrations, as a fresh database has them
      else if (name === 'audience_generation' || name === 'webhook_fanout') assert.equal(n, 1, `${name} holds its one row after reset()`);
      else assert.equal(n, 0, `${name} is empty after reset()`);
    }
    // identities restart, so ids in one test do not depend on the tests before it
    await database.pool.query(`INSERT INTO harness_added (note) VALUES ('c')`);
    assert.deepEqual((await database.pool.query(`SELECT id FROM harness_added`)).rows, [{ id: 1 }]);
    await database.pool.query(`DROP TABLE harness_added`);
  });
});

describe('the template database', () => {
  it('refuses connections, so no session can stop a copy being made from it', async () => {
    const name = process.env[TEMPLATE_ENV]!;
    const [row] = (await withClient(server, (c) => c.query<{ datistemplate: boolean; datallowconn: boolean }>(
      'SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1', [name],
    ))).rows;
    assert.deepEqual(row, { datistemplate: true, datallowconn: false });
    await assert.rejects(withClient(databaseUrl(server, name), (c) => c.query('SELECT 1')), /not currently accepting connections/);
  });

  it('is rebuilt when the migrations change, once, however many processes ask for it at the same time', async () => {
    const sql = `CREATE TABLE harness_probe (id int PRIMARY KEY);\n-- ${process.pid} ${Date.now()}\n`;
    const changed: Migration[] = [...readMigrations(), { name: '29991231000000_harness_probe', sql, checksum: createHash('sha256').update(sql).digest('hex') }];
    const name = templateName(changed);
    assert.notEqual(name, templateName(readMigrations()), 'a new migration names a new template');
    const edited: Migration[] = changed.map((m, i) => (i === 0 ? { ...m, checksum: createHash('sha256').update(`${m.sql}\n`).digest('hex') } : m));
    assert.notEqual(templateName(edited), name, 'an edited migration names a new template');
    try {
      const results = await Promise.all([1, 2, 3].map(() => ensureTemplateDatabase(server, changed)));
      assert.deepEqual(results.map((r) => r.name), [name, name, name]);
      assert.equal(results.filter((r) => r.built).length, 1, 'one process built it; the others use it');
      assert.deepEqual(await databaseNames(`${name}%`), [name], 'no half-built copy is left behind');
      assert.deepEqual(await ensureTemplateDatabase(server, changed), { name, built: false }, 'the next run reuses it');

      // a copy of it has the new migration's table and records it
      const copy = `${name}_copy`;
      await withClient(server, (c) => c.query(`CREATE DATABASE "${copy}" TEMPLATE "${name}"`));
      try {
        const found = await withClient(databaseUrl(server, copy), async (c) => ({
          probe: (await c.query(`SELECT to_regclass('harness_probe')::text AS t`)).rows[0]?.t,
          recorded: (await c.query(`SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = '29991231000000_harness_probe'`)).rows[0]?.n,
        }));
        assert.deepEqual(found, { probe: 'harness_probe', recorded: 1 });
      } finally {
        await dropDatabase(server, copy);
      }
    } finally {
      await dropDatabase(server, name);
    }
  });
});

// The CSV export of a segment lineage and of an audience over HTTP (GET /export/...): rows per second and the service
// process's peak RSS growth while it streams (target: under 50 MB, whatever the size). The members are written with
// SQL (users, profiles in one segment of an active model, the audience's members), not through the API: this measures
// the export, not ingest.
//
//   npm run bench export
//   node --import tsx --expose-gc bench/export.bench.ts [--users 1000000]
import { readFileSync } from 'node:fs';
import { readFlags } from './support/args.ts';
import { CpuMeter, describeCpu, postmasterOf } from './support/cpu.ts';
import { startBenchDatabase } from './support/database.ts';
import { authHeaders } from './support/gql.ts';
import { runBench, seconds } from './support/lifecycle.ts';
import { startServiceChild } from './support/service.ts';
import { fmt, heading, printTable, target } from './support/table.ts';

const flags = readFlags();
const USERS = flags.number('users', 1_000_000);
const COLUMNS = 'totalSpent,purchaseFrequency,sessionsCount,lastPurchaseDays';
const TARGET_RSS_MB = 50;

/** Resident set size of a process in bytes, from /proc (Linux). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

await runBench('export', 60 * 60_000, async (defer) => {
  console.log(`export: ${fmt(USERS)} users in one segment lineage and one audience, columns ${COLUMNS}`);
  const db = await startBenchDatabase('export');
  defer('database', () => db.stop());

  // the service migrates the database as it starts
  const service = await startServiceChild({ databaseUrl: db.url });
  defer('service', () => service.stop());
  const seedStart = performance.now();
  const { lineage, audienceId } = await db.withClient(async (c) => {
    // a model row as the export reads it (active, one segment); the service never places anyone in it (no worker)
    const model = await c.query<{ id: string }>(
      `INSERT INTO segmentation_models (id, algorithm, k, features, params, scaler, centroids, metrics, trained_on, active)
       VALUES (gen_random_uuid(), 'KMEANS', 1, ARRAY['totalSpent'], '{}', '{}', '[]', '{}', $1, true) RETURNING id::text`, [USERS]);
    const segment = await c.query<{ id: string; lineage: string }>(
      `INSERT INTO segments (id, model_id, index, size, share, stats) VALUES (gen_random_uuid(), $1::uuid, 0, $2, 1, '[]') RETURNING id::text, lineage::text`,
      [model.rows[0]!.id, USERS]);
    const ids = `SELECT 'user-' || lpad(g::text, 8, '0') AS id, g FROM generate_series(1, ${USERS}) g`;
    await c.query(`INSERT INTO users (id, age) SELECT id, 18 + g % 50 FROM (${ids}) s`);
    await c.query(
      `INSERT INTO profiles (user_id, sessions_count, purchase_count, total_spent, last_purchase_at)
       SELECT id, g % 50, g % 20, (g % 100000) / 100.0, CASE WHEN g % 3 = 0 THEN NULL ELSE now() - (g % 300) * interval '1 day' END
       FROM (${ids}) s`);
    await c.query(`INSERT INTO segment_placements (user_id, lineage) SELECT id, $1::uuid FROM (${ids}) s`, [segment.rows[0]!.lineage]);
    const audience = await c.query<{ id: string }>(
      `INSERT INTO audiences (id, name, rule, created_at, updated_at)
       VALUES (gen_random_uuid(), 'everyone', '{"condition":{"field":"sessionsCount","op":"GTE","value":0}}', now(), now()) RETURNING id::text`);
    await c.query(`INSERT INTO audience_members (audience_id, user_id, entered_at) SELECT $1::uuid, id, now() FROM (${ids}) s`, [audience.rows[0]!.id]);
    await c.query('VACUUM ANALYZE');
    return { lineage: segment.rows[0]!.lineage, audienceId: audience.rows[0]!.id };
  });
  console.log(`seeded with SQL in ${seconds(seedStart).toFixed(1)} s`);

  const postmaster = await db.withClient(async (client) => postmasterOf((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  const meter = new CpuMeter(service.pid, postmaster);
  const origin = new URL(service.url).origin;

  const run = async (path: string) => {
    globalThis.gc?.();
    const base = rss(service.pid);
    let peak = base;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(service.pid));
    }, 20);
    const cpu0 = meter.snapshot();
    const start = performance.now();
    const res = await fetch(`${origin}${path}?columns=${COLUMNS}`, { headers: { authorization: authHeaders.authorization! } });
    if (res.status !== 200 || !res.body) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    let bytes = 0;
    let lines = 0;
    for await (const chunk of res.body) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    const wall = seconds(start);
    clearInterval(sampler);
    peak = Math.max(peak, rss(service.pid));
    const cpu = meter.since(cpu0);
    const rows = lines - 1;
    if (rows !== USERS) throw new Error(`${path}: ${rows} rows, expected ${USERS}`);
    return { rows, wall, mb: bytes / 1e6, growth: (peak - base) / 1e6, base: base / 1e6, cpu: describeCpu(cpu) };
  };

  const segment = await run(`/export/segments/${lineage}.csv`);
  console.log(`segment: CPU ${segment.cpu}`);
  const audience = await run(`/export/audiences/${audienceId}.csv`);
  console.log(`audience: CPU ${audience.cpu}`);

  heading('CSV export over HTTP');
  printTable(
    ['export', 'rows', 'MB', 'seconds', 'rows/s', 'service RSS before', 'peak RSS growth'],
    [
      ['segment lineage', fmt(segment.rows), segment.mb.toFixed(1), segment.wall.toFixed(1), fmt(segment.rows / segment.wall), `${segment.base.toFixed(0)} MB`, `${segment.growth.toFixed(1)} MB`],
      ['audience', fmt(audience.rows), audience.mb.toFixed(1), audience.wall.toFixed(1), fmt(audience.rows / audience.wall), `${audience.base.toFixed(0)} MB`, `${audience.growth.toFixed(1)} MB`],
    ],
  );
  const worst = Math.max(segment.growth, audience.growth);
  console.log(`peak RSS growth ${worst.toFixed(1)} MB ${target(`< ${TARGET_RSS_MB} MB`, worst < TARGET_RSS_MB)}`);
});

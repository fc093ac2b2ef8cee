// Ingest benchmark: N seeded events (default 200,000 for 10,000 users) sent through GraphQL `ingestEvents` in batches
// of 1,000 with 3, 4 and 5 requests in flight, against the physical limit: the same rows loaded by PostgreSQL
// `COPY ... FROM STDIN` into a copy of the events table (LIKE events INCLUDING ALL: the same columns, keys and indexes),
// in pairs (a GraphQL run at the best level, then a COPY run), the ratio being the median pair's.
//
//   npm run bench ingest
//   node --import tsx --expose-gc bench/ingest.bench.ts [--events 200000] [--users 10000] [--batch 1000]
//        [--concurrency 3,4,5] [--pairs 3] [--profile] [--waits] [--breakdown]
//
// The service runs as a child process (src/main.ts) on its own database: an embedded PostgreSQL in a temporary folder
// with fsync on, or a fresh database on DATABASE_URL's server when that is set. --profile runs the child under
// --cpu-prof and prints where its CPU time went; --waits samples what the service's PostgreSQL connections are doing.
// --breakdown times one batch at a time in this process, statement by statement (bench/support/ingest-breakdown.ts).
// CPU seconds per process (service, PostgreSQL, this load generator, everything else) are printed for every run: on a
// shared 2-core machine, other processes' load shows up there.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { readFlags } from './support/args.ts';
import { CpuMeter, describeCpu, postmasterOf, type CpuUse } from './support/cpu.ts';
import { batches, generateDataset, type BenchEvent } from './support/data.ts';
import { startBenchDatabase, type BenchDatabase } from './support/database.ts';
import { ingestBody, sendIngestBatches } from './support/gql.ts';
import { runBench, seconds } from './support/lifecycle.ts';
import { printProfiles } from './support/profile.ts';
import { startServiceChild } from './support/service.ts';
import { WaitSampler } from './support/waits.ts';
import { ingestBreakdown } from './support/ingest-breakdown.ts';
import { fmt, heading, median, ms, percentile, printTable, ratio, target } from './support/table.ts';

const flags = readFlags();
const EVENTS = flags.number('events', 200_000);
const USERS = flags.number('users', 10_000);
const BATCH = flags.number('batch', 1_000);
const LEVELS = flags.numbers('concurrency', [3, 4, 5]);
const PAIRS = flags.number('pairs', 3);
const PROFILE = flags.has('profile');
const WAITS = flags.has('waits');
const BREAKDOWN = flags.has('breakdown');
const SEED = 20261122;

const TARGET_EVENTS_PER_S = 30_000;
// issue 10
const TARGET_SHARE_OF_COPY = 0.4;


interface IngestRun {
  concurrency: number;
  wallS: number;
  eventsPerS: number;
  latencies: number[];
  accepted: number;
  duplicates: number;
  deadlocks: number;
  rollbacks: number;
  cpu: CpuUse;
}

async function dbCounters(client: pg.Client) {
  const r = await client.query<{ deadlocks: string; xact_rollback: string }>(
    'SELECT deadlocks, xact_rollback FROM pg_stat_database WHERE datname = current_database()',
  );
  return { deadlocks: Number(r.rows[0]?.deadlocks ?? 0), rollbacks: Number(r.rows[0]?.xact_rollback ?? 0) };
}

async function emptyTables(db: BenchDatabase) {
  await db.withClient(async (c) => {
    // CASCADE: every table that refers to users (history, training members, audience members) empties with them
    await c.query('TRUNCATE users, profiles, events, segment_memberships, segment_placements, training_member_chunks CASCADE');
    await c.query('CHECKPOINT');
  });
}

// ---- COPY

const COPY_COLUMNS = 'event_id, user_id, type, occurred_at, item_id, categories, amount, duration_seconds, text, properties';

/** COPY text format: backslash escapes; \N is NULL. */
const copyText = (s: string) => s.replace(/[\\\t\n\r]/g, (m) => (m === '\\' ? '\\\\' : m === '\t' ? '\\t' : m === '\n' ? '\\n' : '\\r'));
const arrayLiteral = (xs: readonly string[]) => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
const orNull = (v: string | number | undefined) => (v === undefined ? '\\N' : copyText(String(v)));

function copyRow(e: BenchEvent): string {
  return [
    copyText(e.eventId),
    copyText(e.userId),
    e.type,
    e.occurredAt,
    orNull(e.itemId),
    copyText(arrayLiteral(e.categories ?? [])),
    orNull(e.amount),
    orNull(e.durationSeconds),
    orNull(e.text),
    e.properties === undefined ? '\\N' : copyText(JSON.stringify(e.properties)),
  ].join('\t');
}

async function copyRun(db: BenchDatabase, chunks: readonly Buffer[], rows: number, meter: CpuMeter): Promise<{ wall: number; cpu: CpuUse }> {
  return db.withClient(async (c) => {
    await c.query('TRUNCATE bench_events');
    await c.query('CHECKPOINT');
    const cpu0 = meter.snapshot();
    const t0 = performance.now();
    const stream = c.query(copyFrom(`COPY bench_events (${COPY_COLUMNS}) FROM STDIN`));
    await pipeline(Readable.from(chunks), stream);
    const wall = seconds(t0);
    const cpu = meter.since(cpu0); // while the backend is still alive, so its CPU time is visible
    if (stream.rowCount !== rows) throw new Error(`COPY wrote ${stream.rowCount} rows, expected ${rows}`);
    return { wall, cpu };
  });
}

// ---- main

await runBench('ingest', 30 * 60_000, async (defer) => {
  console.log(`ingest: ${fmt(EVENTS)} events, ${fmt(USERS)} users, batches of ${fmt(BATCH)}, concurrency ${LEVELS.join('/')}`);
  const db = await startBenchDatabase('ingest');
  defer('database', () => db.stop());
  console.log(`database: ${db.description}`);
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'portrait-bench-prof-')) : undefined;
  const service = await startServiceChild({ databaseUrl: db.url, cpuProfileDir: profileDir });
  defer('service', () => service.stop());
  console.log(`service: pid ${service.pid} at ${service.url}${profileDir ? ` (CPU profile to ${profileDir})` : ''}`);
  const postmaster = await db.withClient(async (c) => postmasterOf((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  const meter = new CpuMeter(service.pid, postmaster);

  let t0 = performance.now();
  const data = generateDataset({ events: EVENTS, users: USERS, seed: SEED });
  const bodies = batches(data.events, BATCH).map((b) => ingestBody(b));
  const first = data.events[0]!.occurredAt;
  const last = data.events.at(-1)!.occurredAt;
  console.log(
    `data: ${fmt(data.events.length)} events, ${fmt(data.activeUsers)} users, ${fmt(data.sessions)} sessions, ${first} .. ${last} ` +
      `(${Object.entries(data.byType).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}); ` +
      `${bodies.length} bodies of ~${fmt(Buffer.byteLength(bodies[0]!) / 1024)} KiB, built in ${fmt(seconds(t0))} s`,
  );

  // Warm-up on other users, so the first measured run does not pay for JIT and connection set-up.
  const warm = generateDataset({ events: 20 * BATCH, users: 2_000, seed: SEED + 1, userPrefix: 'warm-' });
  t0 = performance.now();
  await sendIngestBatches(service.url, batches(warm.events, BATCH).map((b) => ingestBody(b)), 2);
  console.log(`warm-up: ${fmt(warm.events.length)} events in ${fmt(seconds(t0))} s`);

  // ---- GraphQL
  heading('GraphQL ingestEvents');
  /** One measured run: empty tables, every body sent with `concurrency` in flight, the result checked. */
  const measureRun = async (concurrency: number, sampler?: WaitSampler): Promise<IngestRun> => {
    await emptyTables(db);
    globalThis.gc?.();
    const before = await db.withClient(dbCounters);
    await sampler?.start();
    const cpu0 = meter.snapshot();
    const r = await sendIngestBatches(service.url, bodies, concurrency);
    const cpu = meter.since(cpu0);
    await sampler?.stop();
    sampler?.print(`concurrency ${concurrency}: the service's connections`);
    const after = await db.withClient(dbCounters);
    const check = await db.withClient(async (c) => {
      const q = await c.query<{ events: string; counted: string; users: string }>(
        'SELECT (SELECT count(*) FROM events) AS events, (SELECT coalesce(sum(event_count), 0) FROM profiles) AS counted, (SELECT count(*) FROM users) AS users',
      );
      return q.rows[0]!;
    });
    if (r.accepted !== EVENTS || Number(check.events) !== EVENTS || Number(check.counted) !== EVENTS || Number(check.users) !== data.activeUsers) {
      throw new Error(`concurrency ${concurrency}: accepted ${r.accepted}, rows ${check.events}, profile event_count ${check.counted}, users ${check.users}; expected ${EVENTS} and ${data.activeUsers} users`);
    }
    return {
      concurrency,
      ...r,
      eventsPerS: EVENTS / r.wallS,
      deadlocks: after.deadlocks - before.deadlocks,
      rollbacks: after.rollbacks - before.rollbacks,
      cpu,
    };
  };
  const runs: IngestRun[] = [];
  for (const concurrency of LEVELS) {
    const run = await measureRun(concurrency, WAITS ? new WaitSampler(db.url) : undefined);
    runs.push(run);
    console.log(`concurrency ${concurrency}: ${fmt(run.eventsPerS)} events/s; CPU: ${describeCpu(run.cpu)}`);
  }
  const per1k = (cpuS: number | null) => (cpuS === null ? 'n/a' : ms((1000 * cpuS) / (EVENTS / 1000)));
  printTable(
    ['in flight', 'events/s', 'wall', 'batch p50', 'batch p99', 'batch max', 'deadlocks', 'rollbacks', 'service CPU/1k ev', 'postgres CPU/1k ev'],
    runs.map((r) => [
      r.concurrency,
      r.eventsPerS,
      `${fmt(r.wallS)} s`,
      ms(percentile(r.latencies, 50)),
      ms(percentile(r.latencies, 99)),
      ms(Math.max(...r.latencies)),
      r.deadlocks,
      r.rollbacks,
      per1k(r.cpu.server),
      per1k(r.cpu.postgres),
    ]),
  );
  const best = runs.reduce((a, b) => (b.eventsPerS > a.eventsPerS ? b : a));
  console.log(`best: ${best.concurrency} in flight`);

  if (BREAKDOWN) {
    const some = batches(data.events, BATCH).slice(0, 41);
    await ingestBreakdown({ url: db.url, batches: some, bodies: bodies.slice(0, 1) });
  }

  // the service's peak resident memory over the runs (Linux: VmHWM), what its young-generation flag costs
  const peakRss = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${service.pid}/status`, 'utf8'))?.[1];
  if (peakRss) console.log(`service peak RSS: ${fmt(Number(peakRss) / 1024)} MB`);

  // ---- COPY, in pairs with GraphQL
  // This machine's speed drifts by tens of percent within minutes (other tenants of the host), so each ratio is taken
  // between a GraphQL run at the best level and the COPY run right after it, and the verdict is the median pair's.
  heading(`PostgreSQL COPY (physical limit), in ${PAIRS} pairs: GraphQL at ${best.concurrency} in flight, then COPY`);
  await db.withClient((c) => c.query('CREATE TABLE bench_events (LIKE events INCLUDING ALL)'));
  const chunks = batches(data.events, 1_000).map((b) => Buffer.from(b.map(copyRow).join('\n') + '\n'));
  const pairs: { graphql: number; copy: number; ratio: number }[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const graphql = await measureRun(best.concurrency);
    globalThis.gc?.();
    const { wall, cpu } = await copyRun(db, chunks, EVENTS, meter);
    pairs.push({ graphql: graphql.eventsPerS, copy: EVENTS / wall, ratio: graphql.eventsPerS / (EVENTS / wall) });
    console.log(
      `pair ${i + 1}: GraphQL ${fmt(graphql.eventsPerS)} events/s (CPU: ${describeCpu(graphql.cpu)}); ` +
        `COPY ${fmt(EVENTS / wall)} rows/s in ${fmt(wall)} s (CPU: ${describeCpu(cpu)}); ratio ${ratio(pairs.at(-1)!.ratio)}`,
    );
  }
  await db.withClient((c) => c.query('DROP TABLE bench_events'));
  const ratios = pairs.map((p) => p.ratio);
  const graphqlMedian = median(pairs.map((p) => p.graphql));

  // ---- summary
  heading('ingest summary');
  const share = median(ratios);
  printTable(
    ['measure', 'value', 'verdict'],
    [
      [`GraphQL ingestEvents (batches of ${fmt(BATCH)}, ${best.concurrency} in flight; median of the pairs' runs)`, `${fmt(graphqlMedian)} events/s`, target(`>= ${fmt(TARGET_EVENTS_PER_S)} events/s`, graphqlMedian >= TARGET_EVENTS_PER_S)],
      ['COPY FROM STDIN into a copy of events (median of the pairs\' runs)', `${fmt(median(pairs.map((p) => p.copy)))} events/s`, ''],
      [
        `GraphQL / COPY, the median of ${PAIRS} pairs (range ${ratio(Math.min(...ratios))}-${ratio(Math.max(...ratios))})`,
        ratio(share),
        target(`>= ${TARGET_SHARE_OF_COPY}x of COPY`, share >= TARGET_SHARE_OF_COPY),
      ],
      [`batch of ${fmt(BATCH)} latency p50 / p99`, `${ms(percentile(best.latencies, 50))} / ${ms(percentile(best.latencies, 99))}`, ''],
    ],
  );

  if (profileDir) {
    await service.stop();
    printProfiles(profileDir);
    console.log(`(profile kept in ${profileDir}: open it in Chrome DevTools or speedscope)`);
  }
});

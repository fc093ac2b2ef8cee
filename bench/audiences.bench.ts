// Live audiences' cost on ingest: the same events sent through GraphQL `ingestEvents` (batches of 1,000, 2 in flight)
// with no audience defined, then with ten (rules over features, recency, tiers, RFM and interest tags), each run on
// empty users, profiles and events; runs alternate (none, ten, none, ten) so a machine's drift hits both.
//
//   npm run bench audiences
//   node --import tsx --expose-gc bench/audiences.bench.ts [--events 100000] [--users 10000] [--runs 2]
import { readFlags } from './support/args.ts';
import { CpuMeter, describeCpu, postmasterOf } from './support/cpu.ts';
import { batches, generateDataset } from './support/data.ts';
import { startBenchDatabase, type BenchDatabase } from './support/database.ts';
import { gqlBody, ingestBody, postGraphQL, sendIngestBatches } from './support/gql.ts';
import { runBench } from './support/lifecycle.ts';
import { startServiceChild } from './support/service.ts';
import { fmt, heading, ms, percentile, printTable, ratio, target } from './support/table.ts';

const flags = readFlags();
const EVENTS = flags.number('events', 100_000);
const USERS = flags.number('users', 10_000);
const RUNS = flags.number('runs', 2);
const BATCH = 1_000;
const IN_FLIGHT = 2;
const SEED = 20261127;
const TARGET_RATIO = 0.8;

const CREATE = `mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`;

const c = (field: string, op: string, value?: unknown) => ({ condition: { field, op, ...(value === undefined ? {} : { value }) } });
const AUDIENCES: [string, unknown][] = [
  ['buyers', c('purchaseFrequency', 'GT', 0)],
  ['big spenders', c('totalSpent', 'GTE', 500)],
  ['engaged', { all: [c('engagementScore', 'GT', 0.3), c('sessionsCount', 'GTE', 3)] }],
  ['recent', c('recencyScore', 'GT', 0.8)],
  ['lapsed buyers', { all: [c('lastPurchaseDays', 'GT', 14), { not: c('activityLevel', 'EQ', 3) }] }],
  ['electronics fans', c('interestTags', 'CONTAINS', 'electronics')],
  ['books or fashion', { any: [c('interestTags', 'CONTAINS', 'books'), c('interestTags', 'CONTAINS', 'fashion')] }],
  ['heavy users', c('userType', 'EQ', 1)],
  ['high value tier', c('labels.value', 'EQ', 'HIGH')],
  ['champions', c('rfm.segment', 'IN', ['CHAMPIONS', 'LOYAL'])],
];

async function emptyTables(db: BenchDatabase) {
  await db.withClient(async (client) => {
    await client.query('TRUNCATE users, profiles, events, segment_memberships, segment_placements, training_member_chunks CASCADE'); // and the per-user tables no foreign key reaches (erasure is a trigger, which TRUNCATE does not fire)
    await client.query('CHECKPOINT');
  });
}

await runBench('audiences', 30 * 60_000, async (defer) => {
  console.log(`audiences: ${fmt(EVENTS)} events, ${fmt(USERS)} users, batches of ${fmt(BATCH)}, ${IN_FLIGHT} in flight, ${RUNS} run(s) each`);
  const db = await startBenchDatabase('audiences');
  defer('database', () => db.stop());
  const service = await startServiceChild({ databaseUrl: db.url });
  defer('service', () => service.stop());
  const postmaster = await db.withClient(async (client) => postmasterOf((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  const meter = new CpuMeter(service.pid, postmaster);

  const data = generateDataset({ events: EVENTS, users: USERS, seed: SEED });
  const bodies = batches(data.events, BATCH).map((b) => ingestBody(b));
  const warm = generateDataset({ events: 10 * BATCH, users: 1_000, seed: SEED + 1, userPrefix: 'warm-' });
  await sendIngestBatches(service.url, batches(warm.events, BATCH).map((b) => ingestBody(b)), IN_FLIGHT);

  const rows: { audiences: number; eventsPerS: number; p50: number; p99: number; memberships: number; cpu: string }[] = [];
  const run = async (audiences: number) => {
    await emptyTables(db);
    globalThis.gc?.();
    const cpu0 = meter.snapshot();
    const r = await sendIngestBatches(service.url, bodies, IN_FLIGHT);
    const cpu = meter.since(cpu0);
    const memberships = await db.withClient(async (client) => Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM audience_members')).rows[0]!.n));
    rows.push({ audiences, eventsPerS: EVENTS / r.wallS, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), memberships, cpu: describeCpu(cpu) });
    console.log(`${audiences} audiences: ${fmt(EVENTS / r.wallS)} events/s, ${fmt(memberships)} memberships; CPU: ${describeCpu(cpu)}`);
  };
  // through the API, so the service's live evaluation learns of each change (membership.ts)
  let ids: string[] = [];
  const define = async () => {
    for (const [name, rule] of AUDIENCES) ids.push((await postGraphQL<{ createAudience: { id: string } }>(service.url, gqlBody(CREATE, { input: { name, rule } }))).createAudience.id);
  };
  const drop = async () => {
    for (const id of ids) await postGraphQL(service.url, gqlBody(`mutation($id: ID!) { deleteAudience(id: $id) }`, { id }));
    ids = [];
  };

  for (let i = 0; i < RUNS; i++) {
    await drop();
    await run(0);
    await define();
    await run(AUDIENCES.length);
  }
  await drop();

  heading('ingestEvents with live audiences');
  printTable(
    ['audiences', 'events/s', 'batch p50', 'batch p99', 'memberships'],
    rows.map((r) => [r.audiences, r.eventsPerS, ms(r.p50), ms(r.p99), r.memberships]),
  );
  const mean = (n: number) => {
    const xs = rows.filter((r) => r.audiences === n).map((r) => r.eventsPerS);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const share = mean(AUDIENCES.length) / mean(0);
  console.log(`ten audiences vs none: ${ratio(share)} ${target(`>= ${TARGET_RATIO}x`, share >= TARGET_RATIO)}`);
});

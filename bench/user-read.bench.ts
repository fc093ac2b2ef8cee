// User read benchmark: `user(id) { profile { ... } }` with a different user id on every request, against a bare
// `{ __typename }` on the same server, with autocannon (50 connections, 10 s each after a 2 s warm-up of each).
//
//   npm run bench user-read
//   node --import tsx --expose-gc bench/user-read.bench.ts [--users 10000] [--events 150000] [--connections 50]
//        [--duration 10] [--warmup 2] [--rounds 1] [--only bare|user] [--profile] [--waits] [--baseline DIR]
//
// The service runs as a child process (src/main.ts) on its own database (an embedded PostgreSQL in a temporary folder
// with fsync on, or a fresh database on DATABASE_URL's server). Users are loaded through the API itself (importUsers,
// then ingestEvents) by one service process; a fresh one is started for the measurement, so loading is not in its
// caches or its profile. --rounds N alternates bare/user N times (the summary takes each one's best round, both having
// seen the same machine); --profile runs the measured service under --cpu-prof and prints where its CPU time went;
// --waits samples what its PostgreSQL connections are doing. CPU seconds per process (service, PostgreSQL, this load
// generator, everything else on the machine) are printed for every run.
// --baseline DIR compares two versions of the code on the same database and users: DIR is another checkout of this
// project (with its node_modules and generated client, e.g. `git archive <commit> | tar -x -C DIR`, then
// `ln -s $PWD/node_modules DIR/` and `cp -r src/generated DIR/src/`); each round starts a fresh service from each tree
// in turn (the order alternating by round, so both see the same machine) and measures both queries on it, and the
// summary gives the medians of CPU per request.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRng } from '../src/compute/random.ts';
import { readFlags } from './support/args.ts';
import { cannon, type CannonResult } from './support/cannon.ts';
import { CpuMeter, describeCpu, postmasterOf } from './support/cpu.ts';
import { startBenchDatabase } from './support/database.ts';
import { gqlBody, postGraphQL } from './support/gql.ts';
import { runBench, seconds } from './support/lifecycle.ts';
import { loadPopulation } from './support/population.ts';
import { printProfiles } from './support/profile.ts';
import { startServiceChild, type ServiceChild } from './support/service.ts';
import { fmt, heading, median, ms, printTable, ratio, target } from './support/table.ts';
import { WaitSampler } from './support/waits.ts';

const flags = readFlags();
const USERS = flags.number('users', 10_000);
const EVENTS = flags.number('events', 150_000);
const CONNECTIONS = flags.number('connections', 50);
const DURATION_S = flags.number('duration', 10);
const WARMUP_S = flags.number('warmup', 2);
const ROUNDS = flags.number('rounds', 1);
const PROFILE = flags.has('profile');
const WAITS = flags.has('waits');
const ONLY = flags.string('only');
if (ONLY !== undefined && ONLY !== 'bare' && ONLY !== 'user') throw new Error('--only takes bare or user');
const BASELINE = flags.string('baseline');
if (BASELINE !== undefined) {
  if (PROFILE || WAITS) throw new Error('--baseline does not go with --profile or --waits: look at each tree on its own');
  if (!existsSync(join(resolve(BASELINE), 'src', 'main.ts'))) throw new Error(`--baseline ${BASELINE}: no src/main.ts there`);
}
const SEED = 20261122;

// issue 10
const TARGET_RATIO = 0.7;
const TARGET_P99_MS = 15;

const USER_QUERY =
  'query($id: ID!) { user(id: $id) { id profile { sessionsCount totalSpent avgOrderValue engagementScore recencyScore activityLevel interestTags } } }';
const BARE_QUERY = '{ __typename }';

interface UserData {
  user: { id: string; profile: Record<string, unknown> | null } | null;
}

interface Measured extends CannonResult {
  name: string;
  round: number;
}

await runBench('user-read', 15 * 60_000, async (defer) => {
  console.log(`user-read: ${fmt(USERS)} users, ${fmt(EVENTS)} events; autocannon ${CONNECTIONS} connections, ${DURATION_S} s per run after ${WARMUP_S} s warm-up`);
  const db = await startBenchDatabase('read');
  defer('database', () => db.stop());
  console.log(`database: ${db.description}`);

  // ---- data, through the API
  let t0 = performance.now();
  let service = await startServiceChild({ databaseUrl: db.url });
  defer('service', () => service.stop());
  const data = await loadPopulation(service.url, db, { users: USERS, events: EVENTS, seed: SEED });
  const counts = await db.withClient(async (c) => {
    const q = await c.query<{ users: string; with_events: string }>(
      'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM profiles WHERE event_count > 0) AS with_events',
    );
    return q.rows[0]!;
  });
  console.log(`loaded ${counts.users} users (${counts.with_events} with events, ${fmt(data.events.length)} events) in ${fmt(seconds(t0))} s`);

  // Request bodies: every user once, in a seeded random order.
  const rng = createRng(SEED + 2);
  const ids = [...data.userIds];
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  }
  const userBodies = ids.map((id) => gqlBody(USER_QUERY, { id }));
  const queries = [
    { name: '{ __typename }', key: 'bare', bodies: [gqlBody(BARE_QUERY)] },
    { name: 'user(id) { profile }', key: 'user', bodies: userBodies },
  ].filter((q) => ONLY === undefined || q.key === ONLY);

  // ---- the measured service
  await service.stop();
  if (BASELINE !== undefined) {
    await compareTrees(db.url, resolve(BASELINE), queries, userBodies, await db.withClient(async (c) => postmasterOf((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid)));
    return;
  }
  const profileDir = PROFILE ? mkdtempSync(join(tmpdir(), 'portrait-bench-prof-')) : undefined;
  service = await startServiceChild({ databaseUrl: db.url, cpuProfileDir: profileDir });
  console.log(`service: pid ${service.pid} at ${service.url}${profileDir ? ` (CPU profile to ${profileDir})` : ''}`);
  const postmaster = await db.withClient(async (c) => postmasterOf((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  const meter = new CpuMeter(service.pid, postmaster);

  await checkAnswers(service, userBodies);
  console.log(`sample answer: ${JSON.stringify(await postGraphQL<UserData>(service.url, userBodies[0]!))}`);

  // ---- load
  heading(`autocannon, ${CONNECTIONS} connections`);
  t0 = performance.now();
  for (const q of queries) await cannon({ url: service.url, bodies: q.bodies, durationS: WARMUP_S, connections: CONNECTIONS, meter });
  console.log(`warm-up: ${fmt(seconds(t0))} s`);
  const results: Measured[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const q of queries) {
      globalThis.gc?.();
      const sampler = WAITS ? new WaitSampler(db.url) : undefined;
      await sampler?.start();
      const m = await cannon({ url: service.url, bodies: q.bodies, durationS: DURATION_S, connections: CONNECTIONS, meter });
      await sampler?.stop();
      if (!service.running()) throw new Error(`the service exited during the ${q.name} run`);
      sampler?.print(`${q.name}: the service's connections`);
      results.push({ ...m, name: q.name, round });
      console.log(`${q.name} (round ${round}): ${fmt(m.requestsPerS)} req/s; CPU: ${describeCpu(m.cpu)}`);
    }
  }
  printTable(
    ['query', 'round', 'req/s', 'requests', 'p50', 'p99', 'p99.9', 'max', 'errors', 'server CPU/req'],
    results.map((m) => [
      m.name,
      m.round,
      m.requestsPerS,
      m.total,
      ms(m.p50),
      ms(m.p99),
      ms(m.p999),
      ms(m.max),
      m.bad,
      m.cpu.server === null ? 'n/a' : ms((1000 * m.cpu.server) / Math.max(1, m.total)),
    ]),
  );
  if (results.some((m) => m.bad > 0)) throw new Error('some requests failed (non-2xx, GraphQL errors or timeouts): see the errors column');

  // ---- summary: the best round of each
  const best = (name: string) => results.filter((m) => m.name === name).reduce<Measured | undefined>((a, b) => (!a || b.requestsPerS > a.requestsPerS ? b : a), undefined);
  const bare = best('{ __typename }');
  const user = best('user(id) { profile }');
  if (bare && user) {
    const share = user.requestsPerS / bare.requestsPerS;
    heading('user-read summary');
    printTable(
      ['measure', 'value', 'verdict'],
      [
        ['{ __typename }: req/s, p50 / p99', `${fmt(bare.requestsPerS)}, ${ms(bare.p50)} / ${ms(bare.p99)}`, ''],
        ['user(id) { profile }: req/s, p50 / p99', `${fmt(user.requestsPerS)}, ${ms(user.p50)} / ${ms(user.p99)}`, target(`p99 <= ${TARGET_P99_MS} ms`, user.p99 <= TARGET_P99_MS)],
        ['user(id) / bare', ratio(share), target(`>= ${TARGET_RATIO}x of bare`, share >= TARGET_RATIO)],
      ],
    );
  }

  if (profileDir) {
    await service.stop();
    printProfiles(profileDir);
    console.log(`(profile kept in ${profileDir}: open it in Chrome DevTools or speedscope)`);
  }
});

/** A sample of user(id) answers must have a user with a profile (the data loaded, the service reading it). */
async function checkAnswers(service: ServiceChild, userBodies: readonly Buffer[]): Promise<void> {
  for (const body of userBodies.slice(0, 100)) {
    const r = await postGraphQL<UserData>(service.url, body);
    if (!r.user?.profile) throw new Error(`no user or profile for ${body.toString()}`);
  }
}

/** --baseline: the same queries on services from two trees, started in turn, ROUNDS times. */
async function compareTrees(
  databaseUrl: string,
  baseline: string,
  queries: readonly { name: string; key: string; bodies: readonly Buffer[] }[],
  userBodies: readonly Buffer[],
  postmaster: number | null,
): Promise<void> {
  const trees = [
    { name: 'baseline', entry: join(baseline, 'src', 'main.ts') },
    { name: 'this tree', entry: 'src/main.ts' },
  ];
  console.log(`comparing ${baseline} (baseline) with this tree, ${ROUNDS} rounds`);
  const runs: { tree: string; round: number; key: string; m: CannonResult }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const tree of round % 2 === 1 ? trees : [...trees].reverse()) {
      const service = await startServiceChild({ databaseUrl, entry: tree.entry });
      try {
        await checkAnswers(service, userBodies);
        const meter = new CpuMeter(service.pid, postmaster);
        for (const q of queries) await cannon({ url: service.url, bodies: q.bodies, durationS: WARMUP_S, connections: CONNECTIONS, meter });
        for (const q of queries) {
          globalThis.gc?.();
          const m = await cannon({ url: service.url, bodies: q.bodies, durationS: DURATION_S, connections: CONNECTIONS, meter });
          if (!service.running()) throw new Error(`the ${tree.name} service exited during the ${q.name} run`);
          if (m.bad > 0) throw new Error(`${m.bad} failed requests on the ${tree.name} service (${q.name})`);
          runs.push({ tree: tree.name, round, key: q.key, m });
          console.log(`${tree.name}, ${q.name} (round ${round}): ${fmt(m.requestsPerS)} req/s; CPU: ${describeCpu(m.cpu)}`);
        }
      } finally {
        await service.stop();
      }
    }
  }
  const perRequest = (cpu: number | null, m: CannonResult) => (cpu === null ? NaN : (1e6 * cpu) / Math.max(1, m.total));
  printTable(
    ['tree', 'round', 'query', 'req/s', 'p50', 'p99', 'server CPU/req', 'PostgreSQL CPU/req', 'other processes'],
    runs.map(({ tree, round, key, m }) => [
      tree,
      round,
      key,
      m.requestsPerS,
      ms(m.p50),
      ms(m.p99),
      `${perRequest(m.cpu.server, m).toFixed(1)} us`,
      `${perRequest(m.cpu.postgres, m).toFixed(1)} us`,
      m.cpu.others === null ? 'n/a' : `${(m.cpu.others / m.cpu.wall).toFixed(2)} cores`,
    ]),
  );
  heading('baseline vs this tree: medians over the rounds');
  const of = (tree: string, key: string) => runs.filter((r) => r.tree === tree && r.key === key);
  printTable(
    ['tree', 'server CPU/req: bare', 'user(id)', 'user(id) / bare CPU', 'user(id) / bare req/s per round'],
    trees.map(({ name }) => {
      const bare = median(of(name, 'bare').map((r) => perRequest(r.m.cpu.server, r.m)));
      const user = median(of(name, 'user').map((r) => perRequest(r.m.cpu.server, r.m)));
      const perRound = of(name, 'user').map((u) => {
        const b = runs.find((r) => r.tree === name && r.key === 'bare' && r.round === u.round);
        return b ? ratio(u.m.requestsPerS / b.m.requestsPerS) : 'n/a';
      });
      return [name, `${bare.toFixed(1)} us`, `${user.toFixed(1)} us`, ratio(user / bare), perRound.join(', ')];
    }),
  );
}

// npm run bench retrain [-- --users N]: a full retrain end to end on N users (default 1,000,000) x the default
// 9 features: read every profile from PostgreSQL, choose k over 2..10, train (worker thread), write the model and
// its segments, activate it and reassign every user — through the job system, as `retrain` runs it. Twice: the first
// training, with no model active (every user enters a segment: a placement, a stay and an outbox row each), then a
// retrain over it with another seed, as the weekly schedule runs (groups found again keep their lineage, and only the
// users whose lineage changes are written). The 20 s target is the retrain's.
// Prints wall time per stage, CPU seconds of this process and of PostgreSQL, and the process's peak RSS (the worker
// threads live in this process, so it counts them). `--daily` then runs the daily schedule on the same users.
// `--activation` then places every user in the active model as an activation does (everyone unplaced first), with the
// previous implementation (pages of profile objects placed in JavaScript, written a page at a time) and the current
// one (features computed in SQL a page at a time, staged, one write), side by side, each in a rolled-back transaction.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { createRng } from '../src/compute/random.ts';
import { migrate } from '../src/db/migrate.ts';
import { connect } from '../src/db/client.ts';
import { loadEnv } from '../src/config/env.ts';
import { loadPortraitConfig } from '../src/config/portrait-config.ts';
import { pino } from 'pino';
import { DATABASE_TIMEOUT_DEFAULTS } from '../src/config/env.ts';
import { createServices } from '../src/app/services.ts';
import { requestRetrain } from '../src/modules/segmentation/training-job.ts';
import { enqueue } from '../src/modules/jobs/job-queue.ts';
import { scheduleJobKind } from '../src/modules/schedules/schedules.ts';
import { startBenchDatabase } from './support/database.ts';
import { readFlags } from './support/args.ts';
import { runBench, seconds } from './support/lifecycle.ts';
import { heading, printTable, target } from './support/table.ts';
import { CpuMeter, postmasterOf } from './support/cpu.ts';
import { fromPrisma, type Sql } from '../src/db/sql.ts';
import { pageWithDemographics } from '../src/modules/profiles/profile-store.ts';
import { writeSegments } from '../src/modules/profiles/placements.ts';
import { ActiveModelCache, assignRemaining, livePlacement, loadModel, type ActiveModel } from '../src/modules/segmentation/assignment.ts';

const flags = readFlags();
const USERS = flags.number('users', 1_000_000);
const DAILY = flags.has('daily');
const ACTIVATION = flags.has('activation');
const DAY = 86_400_000;

/** Ends a measured transaction, which rolls it back. */
class RolledBack extends Error {}

/** Five shopper personas' profile aggregates, with noise: tab-separated COPY rows for users and profiles. */
function* rows(now: number): Generator<[string, string]> {
  const rng = createRng(11);
  const g = (m: number, s: number) => Math.max(0, m + s * (rng.next() + rng.next() + rng.next() - 1.5) * 1.4);
  const personas = [
    { w: 0.1, sessions: [20, 6], dur: [900, 200], pages: [10, 3], orders: [12, 4], aov: [300, 80], idle: [2, 1] },
    { w: 0.25, sessions: [16, 5], dur: [400, 120], pages: [14, 4], orders: [8, 3], aov: [35, 10], idle: [3, 2] },
    { w: 0.3, sessions: [10, 4], dur: [500, 150], pages: [8, 3], orders: [0.5, 0.5], aov: [60, 20], idle: [5, 3] },
    { w: 0.15, sessions: [2, 1], dur: [200, 80], pages: [4, 2], orders: [0.3, 0.4], aov: [40, 15], idle: [2, 1] },
    { w: 0.2, sessions: [3, 1], dur: [300, 100], pages: [3, 1], orders: [1, 1], aov: [90, 30], idle: [55, 15] },
  ];
  for (let i = 0; i < USERS; i++) {
    let r = rng.next();
    const p = personas.find((x) => (r -= x.w) < 0) ?? personas[4]!;
    const id = `u${String(i).padStart(7, '0')}`;
    const sessions = Math.max(1, Math.round(g(p.sessions[0]!, p.sessions[1]!)));
    const orders = Math.round(g(p.orders[0]!, p.orders[1]!));
    const spent = orders * g(p.aov[0]!, p.aov[1]!);
    const last = now - g(p.idle[0]!, p.idle[1]!) * DAY;
    const lastPurchase = orders > 0 ? new Date(last - rng.next() * 5 * DAY).toISOString() : '\\N';
    const pageViews = Math.round(sessions * g(p.pages[0]!, p.pages[1]!));
    const events = sessions * 2 + pageViews + orders;
    yield [
      `${id}\t${18 + rng.int(50)}\t${rng.next() < 0.5 ? 'F' : 'M'}\t${1 + rng.int(4)}\n`,
      `${id}\t${sessions}\t${sessions * g(p.dur[0]!, p.dur[1]!)}\t${pageViews}\t${orders}\t${spent}\t${events}\t${lastPurchase}\t${new Date(last - 30 * DAY).toISOString()}\t${new Date(last).toISOString()}\n`,
    ];
  }
}

await runBench('retrain', 60 * 60_000, async (defer) => {
  heading(`Full retrain end to end: ${USERS.toLocaleString('en')} users`);
  const db0 = await startBenchDatabase('retrain');
  defer('database', () => db0.stop());
  console.log(db0.description);
  await migrate(db0.url);

  let t = performance.now();
  const now = Date.now();
  // Two COPY streams, users first (profiles reference them), each fed by its own pass of the seeded generator (the
  // same rows twice): nothing is buffered, so the process's RSS before the retrain is the service's, not the seed's.
  await db0.withClient(async (c) => {
    const stream = (column: 0 | 1) => Readable.from((function* () {
      let chunk = '';
      let n = 0;
      for (const pair of rows(now)) {
        chunk += pair[column];
        if (++n % 10_000 === 0) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    })());
    await pipeline(stream(0), c.query(copyFrom('COPY users (id, age, gender, city_tier) FROM STDIN')));
    await pipeline(
      stream(1),
      c.query(copyFrom('COPY profiles (user_id, sessions_count, total_session_duration, page_views, purchase_count, total_spent, event_count, last_purchase_at, first_event_at, last_event_at) FROM STDIN')),
    );
    await c.query('ANALYZE users; ANALYZE profiles');
  });
  const loadS = seconds(t);
  console.log(`loaded ${USERS.toLocaleString('en')} users and profiles by COPY in ${loadS.toFixed(1)} s`);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;

  const env = loadEnv({ DATABASE_URL: db0.url, LOG_LEVEL: 'info', NODE_ENV: 'production', PORTRAIT_ADMIN_KEY: 'bench-admin-key-0123456789abcdef' });
  // a loaded machine can keep a connection waiting for seconds: the bench measures, it does not time out
  const database = connect(db0.url, 4, { ...DATABASE_TIMEOUT_DEFAULTS, connectTimeoutMs: 120_000 });
  defer('pool', () => database.close());
  // the job's stage timings come in its 'model trained' log line
  let stages: Record<string, number> = {};
  const logger = pino({ level: 'info' }, {
    write(line: string) {
      const record = JSON.parse(line) as { msg?: string; level?: number; stages?: Record<string, number> };
      if (record.msg === 'model trained' && record.stages) stages = record.stages;
      else if ((record.level ?? 0) >= 40) process.stderr.write(line);
    },
  });
  const config = loadPortraitConfig(env.PORTRAIT_CONFIG);
  const services = createServices(
    { db: database.db, pool: database.pool, env, portrait: config, logger },
    { jobs: { pollMs: 100, heartbeatMs: 5_000 } },
  );
  const runner = services.jobs!;
  defer('runner', () => runner.stop());

  // the postmaster is found as the parent of a backend, read while that backend lives (it exits with its connection)
  const postmaster = await db0.withClient(async (c) => postmasterOf((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
  const cpu = new CpuMeter(process.pid, postmaster);
  /** Waits for a job to end, sampling this process's RSS; returns the job row and the highest RSS seen. */
  const finish = async (id: string) => {
    let maxRss = 0;
    for (;;) {
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
      const row = await database.db.job.findUnique({ where: { id } });
      if (row?.status === 'SUCCEEDED' || row?.status === 'FAILED') return { row, maxRss };
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  /** One retrain through the job system, measured: wall time, CPU, the stages, and what it wrote. */
  const retrain = async (seed: number) => {
    stages = {};
    const staysBefore = await database.db.segmentMembership.count();
    const before = cpu.snapshot();
    const started = performance.now();
    const job = await requestRetrain(database.db, { kMin: 2, kMax: 10, seed }, 'bench');
    runner.poke();
    const { row: done, maxRss } = await finish(job.id);
    const wall = seconds(started);
    const used = cpu.since(before);
    if (done.status !== 'SUCCEEDED') throw new Error(`retrain failed: ${done.error}`);
    const model = (await database.db.segmentationModel.findUnique({ where: { id: done.modelId! }, include: { segments: true } }))!;
    return {
      wall, used, maxRss, model, stages,
      details: model.details as { timingsMs: Record<string, number>; kSelection: { chosenK: number; reason: string } },
      metrics: model.metrics as { silhouette: number; sampleSize: number },
      assigned: await database.db.segmentPlacement.count(),
      // users who entered a lineage (a first training: everyone; a retrain: those whose group changed)
      entered: (await database.db.segmentMembership.count()) - staysBefore,
      kept: model.segments.length,
    };
  };
  runner.start();
  // First the training that places everyone (no model is active: every user enters a segment), then the retrain the
  // weekly schedule runs over it (another seed; a group found again keeps its lineage, and its users are not written).
  const first = await retrain(1);
  const lineagesBefore = new Set(first.model.segments.map((s) => s.lineage));
  const second = await retrain(2);
  const kept = second.model.segments.filter((s) => lineagesBefore.has(s.lineage)).length;
  const model = second.model;
  const peakRss = Math.max(first.maxRss, second.maxRss, process.resourceUsage().maxRSS * 1024);

  const cpuText = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(1)} s`);
  const runs = [first, second];
  const stageNames = [...new Set(runs.flatMap((r) => Object.keys(r.stages)))];
  const workerNames = [...new Set(runs.flatMap((r) => Object.keys(r.details.timingsMs)))];
  const ms = (v: number | undefined) => (v === undefined ? '' : `${(v / 1000).toFixed(2)} s`);
  printTable(
    ['measure', 'first training (none active)', 'retrain (a model active)'],
    [
      ['users / features', ...runs.map((r) => `${r.model.trainedOn.toLocaleString('en')} x ${r.model.features.length}`)],
      ['k chosen (2..10)', ...runs.map((r) => `${r.details.kSelection.chosenK}`)],
      ['silhouette (sampled)', ...runs.map((r) => `${r.metrics.silhouette.toFixed(4)} on ${r.metrics.sampleSize.toLocaleString('en')} rows`)],
      ...stageNames.map((stage) => [`  job: ${stage}`, ...runs.map((r) => ms(r.stages[stage]))]),
      ...workerNames.map((stage) => [`  worker: ${stage}`, ...runs.map((r) => ms(r.details.timingsMs[stage]))]),
      ['users placed', ...runs.map((r) => r.assigned.toLocaleString('en'))],
      ['lineages kept from the model before', 'none active', `${kept} of ${second.kept}`],
      ['users who entered a lineage (stays written)', ...runs.map((r) => r.entered.toLocaleString('en'))],
      ['wall time, enqueue -> SUCCEEDED', `${first.wall.toFixed(1)} s`, `${second.wall.toFixed(1)} s  ${target('<= 20 s', second.wall <= 20)}`],
      ['CPU: this process (job + worker threads)', ...runs.map((r) => cpuText(r.used.server))],
      ['CPU: PostgreSQL', ...runs.map((r) => cpuText(r.used.postgres))],
      ['CPU: other processes on the machine', ...runs.map((r) => (r.used.others === null ? 'n/a' : `${r.used.others.toFixed(1)} s (${(r.used.others / r.used.wall).toFixed(1)} cores busy)`))],
      ['peak RSS during the job (sampled)', ...runs.map((r) => `${(r.maxRss / 2 ** 30).toFixed(2)} GB`)],
    ],
  );
  console.log(`peak RSS of the process (incl. workers): ${(peakRss / 2 ** 30).toFixed(2)} GB  ${target('<= 1 GB', peakRss <= 2 ** 30)}`);
  console.log(`RSS before the first training: ${(rssBefore / 2 ** 30).toFixed(2)} GB`);

  if (DAILY) await benchDaily();
  if (ACTIVATION) await benchActivation();

  async function benchDaily() {
    // The daily schedule on the same users: population statistics, every profile refreshed and re-placed, the
    // time-dependent audiences, the daily report.
    heading(`Daily schedule: ${USERS.toLocaleString('en')} users`);
    global.gc?.();
    const dailyRssBefore = process.memoryUsage().rss;
    const dailyCpu = cpu.snapshot();
    t = performance.now();
    const daily = await enqueue(database.db, scheduleJobKind('daily'), {}, 'bench');
    runner.poke();
    const { row: dailyDone, maxRss: dailyRss } = await finish(daily.id);
    const dailyWall = seconds(t);
    const dailyUsed = cpu.since(dailyCpu);
    if (dailyDone.status !== 'SUCCEEDED') throw new Error(`daily failed: ${dailyDone.error}`);
    const dailyPeak = Math.max(dailyRss, process.resourceUsage().maxRSS * 1024);
    printTable(
      ['measure', 'value'],
      [
        ['outcome', String((dailyDone.result as { outcome?: string } | null)?.outcome ?? '')],
        ['wall time, enqueue -> SUCCEEDED', `${dailyWall.toFixed(1)} s`],
        ['CPU: this process', dailyUsed.server === null ? 'n/a' : `${dailyUsed.server.toFixed(1)} s`],
        ['CPU: PostgreSQL', dailyUsed.postgres === null ? 'n/a' : `${dailyUsed.postgres.toFixed(1)} s`],
        ['CPU: other processes on the machine', dailyUsed.others === null ? 'n/a' : `${dailyUsed.others.toFixed(1)} s`],
        ['peak RSS during the daily (sampled every 250 ms)', `${(dailyRss / 2 ** 30).toFixed(2)} GB (${(dailyRssBefore / 2 ** 30).toFixed(2)} GB before it)`],
        ['peak RSS (process, whole run so far)', `${(dailyPeak / 2 ** 30).toFixed(2)} GB`],
      ],
    );
  }

  /** assignRemaining as it was before feature pages: profile objects a page at a time, placed in JavaScript. */
  async function previousAssignRemaining(sql: Sql, active: ActiveModel, at: Date) {
    const placer = (await livePlacement(new ActiveModelCache(), config, () => at)(sql))!;
    let after = '';
    for (;;) {
      const page = await pageWithDemographics(sql, after, 20_000);
      if (page.length === 0) return;
      await writeSegments(sql, page.map((r) => r.profile.userId), placer.place(page));
      after = page.at(-1)!.profile.userId;
    }
  }

  async function benchActivation() {
    heading(`Placing every user in the active model, as an activation does: ${USERS.toLocaleString('en')} users`);
    const at = new Date();
    const variants: [string, (sql: Sql, active: ActiveModel) => Promise<void>][] = [
      ['before: profile objects, placed in JS, written a page at a time', (sql, active) => previousAssignRemaining(sql, active, at)],
      ['now: features in SQL by pages, staged, one write', (sql, active) => assignRemaining(sql, active, at, config)],
    ];
    const rows: string[][] = [];
    const checksums: string[] = [];
    for (const [name, run] of variants) {
      // the previous variant's rolled-back rows are dead tuples the next one would scan past
      await database.pool.query('VACUUM profiles');
      global.gc?.();
      await database.jobDb.$transaction(async (tx) => {
        const sql = fromPrisma(tx);
        // everyone unplaced (not measured), so everyone is placed and every placement is written, as at a first activation
        await sql.query('DELETE FROM segment_placements');
        // and their stays closed, as the profile store would record the exits (a raw UPDATE records no history)
        await sql.query('UPDATE segment_memberships SET exited_at = now() WHERE exited_at IS NULL');
        const active = (await loadModel(sql, model.id))!;
        const rssBefore = process.memoryUsage().rss;
        let peak = rssBefore;
        const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
        const before = cpu.snapshot();
        const t0 = performance.now();
        try {
          await run(sql, active);
        } finally {
          clearInterval(sampler);
        }
        const wall = seconds(t0);
        const used = cpu.since(before);
        peak = Math.max(peak, process.memoryUsage().rss);
        const [check] = await sql.query<{ unplaced: number; sum: string }>(
          `SELECT count(*) FILTER (WHERE pl.lineage IS NULL)::int AS unplaced, md5(string_agg(p.user_id || ':' || pl.lineage::text, ',' ORDER BY p.user_id)) AS sum
           FROM profiles p LEFT JOIN segment_placements pl ON pl.user_id = p.user_id`,
        );
        if (check!.unplaced !== 0) throw new Error(`${name}: ${check!.unplaced} users left unplaced`);
        checksums.push(check!.sum);
        rows.push([
          name,
          `${wall.toFixed(1)} s`,
          used.server === null ? 'n/a' : `${used.server.toFixed(1)} s`,
          used.postgres === null ? 'n/a' : `${used.postgres.toFixed(1)} s`,
          used.others === null ? 'n/a' : `${used.others.toFixed(1)} s`,
          `${((peak - rssBefore) / 2 ** 20).toFixed(0)} MB`,
        ]);
        throw new RolledBack();
      }, { timeout: 60 * 60_000, maxWait: 60_000 }).catch((err: unknown) => {
        if (!(err instanceof RolledBack)) throw err;
      });
    }
    printTable(['placement', 'wall', 'CPU: this process', 'CPU: PostgreSQL', 'CPU: others', 'RSS growth (sampled)'], rows);
    const same = checksums.every((c) => c === checksums[0]);
    console.log(`same segment for every user in both: ${same ? 'yes' : 'NO'}`);
    if (!same) throw new Error('the two placements disagree');
  }
});

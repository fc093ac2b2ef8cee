// Concurrency: what happens when callers race each other, and what a failed job tells its readers.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';
import { createJobRunner } from '../../src/app/services.ts';
import { JOB_LANES } from '../../src/app/job-handlers.ts';
import { claimNext, enqueue } from '../../src/modules/jobs/job-queue.ts';
import { JobRunner } from '../../src/modules/jobs/job-runner.ts';
import { RETRAIN_JOB } from '../../src/modules/segmentation/training-job.ts';
import { scheduleJobKind } from '../../src/modules/schedules/schedules.ts';
import { ActiveModelCache } from '../../src/modules/segmentation/assignment.ts';
import { fromPool } from '../../src/db/sql.ts';

const logLines: string[] = [];
let server: TestServer;
before(async () => {
  // No job runner of its own: each test runs the runner it needs.
  server = await startTestServer({ jobs: false, logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }) });
});
after(() => server.close());

async function gqlOk<T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> {
  const r = await server.gql<T>(query, variables, headers);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

async function jobDone(id: string): Promise<{ status: string; error: string | null; modelId: string | null }> {
  for (;;) {
    const job = await server.database.db.job.findUniqueOrThrow({ where: { id } });
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until `n` other sessions of this database are blocked on a lock (a sync point, not a timing assumption). */
async function waitForLockWaiters(client: pg.Client, n: number): Promise<void> {
  for (;;) {
    // pg_stat_activity is a snapshot held for the rest of a transaction: take a fresh one each time
    await client.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
    );
    if (rows[0]!.n >= n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('revokeApiKey', () => {
  it('revokes a key once when 8 callers race: one succeeds, the others get CONFLICT, and the time stays', async () => {
    const { createApiKey } = await gqlOk<{ createApiKey: { apiKey: { id: string } } }>(`mutation { createApiKey(input: { name: "raced", role: READ }) { apiKey { id } } }`);
    const id = createApiKey.apiKey.id;
    // Another transaction holds the key's row until all 8 revocations are under way, so they truly overlap.
    const holder = new pg.Client({ connectionString: server.database.url });
    await holder.connect();
    let results: Awaited<ReturnType<typeof server.gql<{ revokeApiKey: { revokedAt: string } }>>>[];
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM api_keys WHERE id = $1 FOR UPDATE', [id]);
      const pending = Promise.all(
        Array.from({ length: 8 }, () => server.gql<{ revokeApiKey: { revokedAt: string } }>(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id })),
      );
      await waitForLockWaiters(holder, 8);
      await holder.query('COMMIT');
      results = await pending;
    } finally {
      await holder.end();
    }
    const ok = results.filter((r) => !r.errors);
    assert.equal(ok.length, 1, JSON.stringify(results));
    assert.deepEqual(results.filter((r) => r.errors).map((r) => r.errors![0]!.extensions?.code), Array(7).fill('CONFLICT'));
    const row = await server.database.db.apiKey.findUniqueOrThrow({ where: { id } });
    assert.equal(row.revokedAt!.toISOString(), new Date(ok[0]!.data!.revokeApiKey.revokedAt).toISOString());
  });
});

describe('ingestEvents racing deleteUser', () => {
  it('retries a batch whose user was deleted under it, and creates the user anew', async () => {
    const INGEST = `mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`;
    const event = (eventId: string) => ({ eventId, userId: 'racer', type: 'CLICK', occurredAt: new Date(Date.now() - 60_000).toISOString() });
    assert.deepEqual(await gqlOk(INGEST, { e: [event('r1')] }), { ingestEvents: { accepted: 1 } });

    // The deleting transaction holds the user's row while the batch locks its users, then deletes the user and
    // commits: the batch's lock then finds no user (the window a concurrent deleteUser hits by chance).
    const deleter = new pg.Client({ connectionString: server.database.url });
    await deleter.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query(`SELECT 1 FROM users WHERE id = 'racer' FOR UPDATE`);
      const batch = server.gql<{ ingestEvents: { accepted: number } }>(INGEST, { e: [event('r2')] });
      // wait until the batch is blocked on the user's row lock (FOR KEY SHARE)
      await waitForLockWaiters(deleter, 1);
      await deleter.query(`DELETE FROM users WHERE id = 'racer'`);
      await deleter.query('COMMIT');
      const r = await batch;
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.deepEqual(r.data, { ingestEvents: { accepted: 1 } });
    } finally {
      await deleter.end();
    }
    const events = await server.database.db.event.findMany({ where: { userId: 'racer' }, select: { eventId: true } });
    assert.deepEqual(events, [{ eventId: 'r2' }]);
    const profile = await server.database.db.profile.findUniqueOrThrow({ where: { userId: 'racer' } });
    assert.equal(profile.eventCount, 1);
  });

  it('a deleteUser that waits for a batch deletes the events that batch wrote', async () => {
    // events has no foreign key to users: the batch's user lock and the delete trigger on users stand in for it
    // (migration events_user_delete_trigger). Here the batch takes its user lock first, then waits on the user's
    // profile, held by this test; the deleteUser sent meanwhile waits for the batch's user lock. Once the batch
    // commits, the delete must remove the batch's events too, or they would outlive their user.
    const INGEST = `mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`;
    const event = (eventId: string) => ({ eventId, userId: 'waiter', type: 'CLICK', occurredAt: new Date(Date.now() - 60_000).toISOString() });
    assert.deepEqual(await gqlOk(INGEST, { e: [event('w1')] }), { ingestEvents: { accepted: 1 } });

    const holder = new pg.Client({ connectionString: server.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM profiles WHERE user_id = 'waiter' FOR UPDATE`);
      const batch = server.gql<{ ingestEvents: { accepted: number } }>(INGEST, { e: [event('w2'), event('w3')] });
      await waitForLockWaiters(holder, 1); // the batch, on the profile
      const deleted = server.gql<{ deleteUser: boolean }>(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: 'waiter' });
      await waitForLockWaiters(holder, 2); // and the delete, on the batch's user lock
      await holder.query('COMMIT');
      const [b, d] = await Promise.all([batch, deleted]);
      assert.equal(b.errors, undefined, JSON.stringify(b.errors));
      assert.deepEqual(b.data, { ingestEvents: { accepted: 2 } });
      assert.equal(d.errors, undefined, JSON.stringify(d.errors));
      assert.deepEqual(d.data, { deleteUser: true });
    } finally {
      await holder.end();
    }
    const db = server.database.db;
    assert.equal(await db.event.count({ where: { userId: 'waiter' } }), 0, 'no event outlives its user');
    assert.equal(await db.profile.count({ where: { userId: 'waiter' } }), 0);
    assert.equal(await db.user.count({ where: { id: 'waiter' } }), 0);
  });
});

describe('job lanes', () => {
  it('never runs two training kinds at once, across workers, while other kinds go on', async () => {
    const db = server.database.db;
    const kinds = [RETRAIN_JOB, scheduleJobKind('weekly'), scheduleJobKind('daily')];
    const retrain = await enqueue(db, RETRAIN_JOB, {}, 'test');
    const weekly = await enqueue(db, scheduleJobKind('weekly'), {}, 'test');
    const daily = await enqueue(db, scheduleJobKind('daily'), {}, 'test');
    try {
      assert.equal((await claimNext(db, 'worker-a', kinds, JOB_LANES))?.id, retrain.id);
      // another process: the weekly schedule trains too, so it waits for the retrain; the daily one does not
      assert.equal((await claimNext(db, 'worker-b', kinds, JOB_LANES))?.id, daily.id);
      assert.equal(await claimNext(db, 'worker-c', kinds, JOB_LANES), null);
      await db.job.update({ where: { id: retrain.id }, data: { status: 'SUCCEEDED', lockedBy: null } });
      assert.equal((await claimNext(db, 'worker-c', kinds, JOB_LANES))?.id, weekly.id);
    } finally {
      await db.job.deleteMany({ where: { id: { in: [retrain.id, weekly.id, daily.id] } } });
    }
  });
});

describe('a failed job', () => {
  it('shows its readers a safe message and logs the detail', async () => {
    const { createApiKey } = await gqlOk<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "reader", role: READ }) { key } }`);
    const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 2 }) { id } }`);
    // A handler failing on the database the way a training can (the raw error names SQL, the table, the driver).
    const runner = new JobRunner(
      server.database.db,
      { [RETRAIN_JOB]: async () => void (await server.database.db.$queryRawUnsafe('SELECT * FROM no_such_table_for_this_test')) },
      server.services.logger,
      { pollMs: 20 },
    );
    runner.start();
    try {
      assert.equal((await jobDone(retrain.id)).status, 'FAILED');
    } finally {
      await runner.stop();
    }
    const { trainingJob } = await gqlOk<{ trainingJob: { status: string; error: string } }>(
      `query($id: ID!) { trainingJob(id: $id) { status error } }`,
      { id: retrain.id },
      { authorization: `Bearer ${createApiKey.key}` },
    );
    assert.equal(trainingJob.status, 'FAILED');
    assert.equal(trainingJob.error, `the job failed on an internal error; the service log has the details (job ${retrain.id})`);
    assert.ok(logLines.some((l) => l.includes('no_such_table_for_this_test') && l.includes(retrain.id)), 'the detail is logged with the job id');
  });
});

describe('activation', () => {
  let runner: JobRunner;
  let models: string[];
  before(async () => {
    const { users, events } = generateDemoData(80, new Date());
    await gqlOk(`mutation($u: [UserImportInput!]!) { importUsers(users: $u) { imported } }`, { u: users });
    for (let i = 0; i < events.length; i += 5000) await gqlOk(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, { e: events.slice(i, i + 5000) });
    runner = createJobRunner(server.services, { pollMs: 20 });
    server.services.jobs = runner;
    runner.start();
    models = [];
    for (const seed of [1, 2, 3]) {
      const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation($s: Int) { retrain(input: { k: 3, seed: $s, activate: false }) { id } }`, { s: seed });
      const job = await jobDone(retrain.id);
      assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
      models.push(job.modelId!);
    }
  });
  after(() => runner.stop());

  const activeModels = () => server.database.db.segmentationModel.findMany({ where: { active: true }, select: { id: true } });
  const activate = (id: string) => server.gql<{ activateModel: { id: string; active: boolean } }>(`mutation($id: ID!) { activateModel(id: $id) { id active } }`, { id });

  it('finds the new active model when its lock waited for the activation (live placement during an activation)', async () => {
    await activate(models[0]!);
    // an activation in flight: the flags moved, not committed
    const activation = await server.database.pool.connect();
    const placer = await server.database.pool.connect();
    try {
      await activation.query('BEGIN');
      await activation.query('UPDATE segmentation_models SET active = false WHERE active');
      await activation.query('UPDATE segmentation_models SET active = true WHERE id = $1::uuid', [models[1]]);
      // what an ingest batch does first: the active model, share-locked
      await placer.query('BEGIN');
      const found = new ActiveModelCache().get(fromPool(placer), { lock: true });
      await new Promise((r) => setTimeout(r, 300));
      await activation.query('COMMIT');
      assert.equal((await found)?.id, models[1], 'the batch places users in the model just activated, not in none');
      await placer.query('COMMIT');
    } finally {
      activation.release();
      placer.release();
    }
  });

  it('serialises concurrent activations: each succeeds, and one model is active', async () => {
    for (let round = 0; round < 4; round++) {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => activate(models[(i + round) % models.length]!)));
      for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const active = await activeModels();
      assert.equal(active.length, 1);
      // every user sits in a segment of the active model
      const [row] = await server.database.db.$queryRawUnsafe<{ stray: number }[]>(
        `SELECT count(*)::int AS stray FROM segment_placements pl
         WHERE NOT EXISTS (SELECT 1 FROM segments s WHERE s.lineage = pl.lineage AND s.model_id = $1::uuid)`, active[0]!.id);
      assert.equal(row!.stray, 0);
    }
  });

  it('lets a training that activates its model finish while activations run', async () => {
    const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 3, seed: 9, activate: true }) { id } }`);
    let finished = false;
    const done = jobDone(retrain.id).finally(() => (finished = true));
    while (!finished) {
      const results = await Promise.all(models.map((id) => activate(id)));
      for (const r of results) assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    }
    const job = await done;
    assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
    assert.equal((await activeModels()).length, 1);
  });
});

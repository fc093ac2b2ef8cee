// Several service processes on one PostgreSQL (performance issue, "beyond one machine"): API processes keep no state
// of their own and jobs are claimed with SKIP LOCKED, so two real `src/main.ts` processes on one database ingest the
// same users at once without losing an update, a retrain queued through one is trained once, and the schedules both
// processes enqueue run once per slot, and a membership change made through one reaches a subscriber of the other.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { gqlAt as gql, jobsSettled, startServicePair, type ServiceProcess } from '../support/service-process.ts';
import { TEST_ADMIN_KEY } from '../support/server.ts';
import { until } from '../support/wait.ts';
import { collect, subscriptionClient } from '../support/subscriptions.ts';

const INGEST = `mutation($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { index code } } }`;
const USERS = 40;
const BATCHES = 6;
const PER_BATCH = 400;

let database: TestDatabase;
let services: ServiceProcess[] = [];
let stop = async (): Promise<void> => {};
const urls: string[] = [];

/** Every job the processes' logs say they started, by job id, with the pids that started it. */
function startedJobs(): Map<string, number[]> {
  const byJob = new Map<string, number[]>();
  for (const s of services) {
    for (const line of s.logs) {
      if (line.msg === 'job started' && typeof line.jobId === 'string') byJob.set(line.jobId, [...(byJob.get(line.jobId) ?? []), s.pid]);
    }
  }
  return byJob;
}

before(async () => {
  database = await createTestDatabase();
  const pair = await startServicePair(database);
  services = pair.services;
  urls.push(...pair.urls);
  stop = pair.stop;
});

after(async () => {
  await stop();
  await database.close();
});

describe('two service processes on one database', () => {
  it('run each schedule slot once, whichever process enqueued it', async () => {
    const slots = await database.pool.query<{ kind: string; n: number; attempts: number }>(
      `SELECT kind, count(*)::int AS n, max(attempts)::int AS attempts FROM jobs WHERE kind LIKE 'schedule:%' GROUP BY kind ORDER BY kind`,
    );
    assert.deepEqual(slots.rows.map((r) => r.kind), ['schedule:daily', 'schedule:hourly', 'schedule:weekly']);
    for (const r of slots.rows) assert.deepEqual([r.kind, r.n, r.attempts], [r.kind, 1, 1], 'one job per slot, claimed once');
    for (const [jobId, pids] of startedJobs()) assert.equal(pids.length, 1, `job ${jobId} started by ${pids.join(', ')}`);
  });

  it('ingest the same users from both at once without losing an update', async () => {
    const t0 = Date.now() - 3 * 86_400_000;
    let seq = 0;
    const batch = (p: number, b: number) =>
      Array.from({ length: PER_BATCH }, (_, i) => ({
        eventId: `p${p}-b${b}-${i}`,
        userId: `user-${(i * 7 + b) % USERS}`,
        type: i % 25 === 0 ? 'PURCHASE' : 'PAGE_VIEW',
        occurredAt: new Date(t0 + ++seq * 1000).toISOString(),
        ...(i % 25 === 0 ? { amount: 10.5 } : { durationSeconds: 20 }),
      }));
    const results = await Promise.all(
      urls.map(async (url, p) => {
        let accepted = 0;
        for (let b = 0; b < BATCHES; b++) {
          const r = await gql<{ ingestEvents: { accepted: number; rejected: unknown[] } }>(url, INGEST, { events: batch(p, b) });
          assert.deepEqual(r.ingestEvents.rejected, []);
          accepted += r.ingestEvents.accepted;
        }
        return accepted;
      }),
    );
    assert.deepEqual(results, [BATCHES * PER_BATCH, BATCHES * PER_BATCH]);
    // every profile's running totals equal what its events say, after writes from both processes interleaved
    const mismatched = await database.pool.query(
      `SELECT p.user_id, p.event_count, e.n, p.page_views, e.views, p.total_spent, e.spent
       FROM profiles p JOIN (SELECT user_id, count(*)::int AS n, count(*) FILTER (WHERE type = 'PAGE_VIEW')::int AS views,
                                    COALESCE(sum(amount), 0) AS spent
                             FROM events GROUP BY user_id) e ON e.user_id = p.user_id
       WHERE p.event_count <> e.n OR p.page_views <> e.views OR p.total_spent <> e.spent`,
    );
    assert.deepEqual(mismatched.rows, []);
    const total = await database.pool.query<{ n: number; users: number }>(`SELECT sum(event_count)::int AS n, count(*)::int AS users FROM profiles`);
    assert.deepEqual(total.rows[0], { n: 2 * BATCHES * PER_BATCH, users: USERS });
  });

  it('train a retrain queued through one process exactly once, and serve its model from both', async () => {
    const queued = await gql<{ retrain: { id: string } }>(urls[0]!, `mutation { retrain(input: { k: 3, seed: 7 }) { id } }`);
    const jobId = queued.retrain.id;
    await until('the retrain finishes', () => jobsSettled(database.pool), 120_000);
    const job = await database.pool.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM jobs WHERE id = $1`, [jobId]);
    assert.deepEqual(job.rows[0], { status: 'SUCCEEDED', attempts: 1 });
    assert.equal(startedJobs().get(jobId)?.length, 1, 'one process started the retrain');
    const models = await database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM segmentation_models WHERE k = 3`);
    assert.equal(models.rows[0]!.n, 1);
    // the retrain activated its model; the other process sees it (no per-process state to go stale) and places users
    const views = await Promise.all(urls.map((url) => gql<{ activeModel: { k: number } | null; user: { segment: { index: number } | null } }>(url, `{ activeModel { k } user(id: "user-1") { segment { index } } }`)));
    assert.deepEqual(views.map((v) => v.activeModel?.k), [3, 3]);
    assert.notEqual(views[1]!.user.segment, null);
    assert.deepEqual(views[0]!.user.segment, views[1]!.user.segment);
  });

  it('deliver a membership change made through one process to a subscriber of the other', async () => {
    const { createAudience } = await gql<{ createAudience: { id: string } }>(
      urls[1]!,
      `mutation { createAudience(input: { name: "Whales", rule: { condition: { field: "totalSpent", op: GTE, value: 5000 } } }) { id } }`,
    );
    const client = subscriptionClient(urls[0]!, { Authorization: `Bearer ${TEST_ADMIN_KEY}` });
    const sub = collect<{ membershipChanges: { userId: string; targetId: string; entered: boolean } }>(
      client,
      `subscription($t: [ID!]) { membershipChanges(targetIds: $t) { userId targetId entered } }`,
      { t: [createAudience.id] },
    );
    // process A's own gauge says when the subscription is registered
    await until('process A has the subscription', async () => {
      const metrics = await (await fetch(urls[0]!.replace(/\/graphql$/, '/metrics'))).text();
      return /^portrait_subscriptions 1$/m.test(metrics);
    });
    const sent = performance.now();
    await gql(urls[1]!, INGEST, { events: [{ eventId: 'whale-1', userId: 'user-7', type: 'PURCHASE', occurredAt: new Date().toISOString(), amount: 9_000 }] });
    const [got] = await sub.waitFor(1, 5_000);
    const latencyMs = got!.at - sent;
    console.log(`two processes: the change made through B reached A's subscriber ${latencyMs.toFixed(1)} ms after the ingest was sent`);
    assert.ok(latencyMs < 1_000, `latency ${latencyMs} ms`);
    assert.deepEqual(got!.data!.membershipChanges, { userId: 'user-7', targetId: createAudience.id, entered: true });
    await sub.stop();
    await client.dispose();
  });
});

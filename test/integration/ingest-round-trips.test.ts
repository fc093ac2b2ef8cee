// How many statements one ingestEvents batch sends to PostgreSQL, with a model active (so live placement runs).
// A regression guard for the write path's shape: the profile rows are locked, updated and placed without being read
// back, so the count does not grow with the batch or with the number of users in it. And which transactions a batch
// holding stored events runs: its plain INSERT is refused on the events key and rolled back, and the batch runs again
// with INSERT ... ON CONFLICT DO NOTHING (src/modules/events/ingest-events.ts).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestServer, type TestServer } from '../support/server.ts';
import { until } from '../support/wait.ts';
import { isStoredEventConflict } from '../../src/modules/events/ingest-events.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const INGEST = `mutation($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { code } } }`;

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW });
});
after(() => server.close());

/**
 * The statements of every transaction that wrote events while `fn` ran: each node-postgres client's statements from
 * its BEGIN to its COMMIT, kept when one of them inserts into events. (Other work of the process, such as the job
 * runner's polling, runs in other transactions and is not counted.)
 */
async function ingestTransactions(fn: () => Promise<void>): Promise<string[][]> {
  const open = new Map<pg.Client, string[]>();
  const done: string[][] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : typeof first === 'object' && first && 'text' in first ? String(first.text) : '';
    if (/^\s*BEGIN\b/i.test(text)) open.set(this, []);
    const statements = open.get(this);
    if (statements) {
      statements.push(text.replace(/\s+/g, ' ').trim());
      if (/^\s*(COMMIT|ROLLBACK)\b/i.test(text)) {
        open.delete(this);
        if (statements.some((s) => s.includes('INSERT INTO events'))) done.push(statements);
      }
    }
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = original;
  }
  return done;
}

/** The ON CONFLICT clause of the INSERT that skips stored events; the batch's first INSERT has none. */
const SKIP_STORED = 'ON CONFLICT (user_id, event_id) DO NOTHING';

/** Each transaction as its INSERT of events ('all-new': plain, 'skip-stored': ON CONFLICT) and how it ended. */
function shapes(transactions: string[][]): string[] {
  return transactions.map((t) => `${t.find((s) => s.includes('INSERT INTO events'))!.includes(SKIP_STORED) ? 'skip-stored' : 'all-new'} ${t.at(-1)}`);
}

function events(users: number, perUser: number, offsetMinutes: number, prefix: string) {
  const out: Record<string, unknown>[] = [];
  for (let u = 0; u < users; u++) {
    // users differ (more events and larger orders for higher ids), so a model has groups to find
    for (let i = 0; i < perUser + (u % 4); i++) {
      const t = new Date(NOW.getTime() - 3_600_000 + (offsetMinutes + i) * 1_000).toISOString();
      out.push(
        i % 5 === 4
          ? { eventId: `${prefix}-${u}-${i}`, userId: `u${u}`, type: 'PURCHASE', occurredAt: t, amount: 10 + i + (u % 7) * 40 }
          : { eventId: `${prefix}-${u}-${i}`, userId: `u${u}`, type: 'PAGE_VIEW', occurredAt: t, categories: ['books'], durationSeconds: 20 },
      );
    }
  }
  return out;
}

describe('ingestEvents round trips', () => {
  it('sends a fixed, small number of statements per batch, whatever its size', async () => {
    // BEGIN, events with new users, the FK check, the active model's share lock, the profile locks, one UPDATE, the
    // users' audiences (one statement: membership and its changes, src/modules/audiences/membership.ts), COMMIT
    // 200 users with history, then a model, so the batches below are placed live.
    const seed = await server.gql(INGEST, { events: events(200, 5, 0, 'seed') });
    assert.equal(seed.errors, undefined, JSON.stringify(seed.errors));
    const job = await server.gql<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 3, seed: 1 }) { id } }`);
    for (;;) {
      const r = await server.gql<{ trainingJob: { status: string; error: string | null } }>(`query($id: ID!) { trainingJob(id: $id) { status error } }`, { id: job.data!.retrain.id });
      if (r.data!.trainingJob.status === 'SUCCEEDED') break;
      assert.notEqual(r.data!.trainingJob.status, 'FAILED', r.data!.trainingJob.error ?? '');
      await new Promise((res) => setTimeout(res, 100));
    }

    // Audiences live while the batches are measured (their number does not change the count).
    for (const [name, rule] of [['buyers', { condition: { field: 'totalSpent', op: 'GT', value: 50 } }], ['readers', { condition: { field: 'interestTags', op: 'CONTAINS', value: 'books' } }]] as const) {
      const r = await server.gql(`mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, { input: { name, rule } });
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    }
    // The first batch after an activation also reads the model, and the first batch the audiences, once per process.
    const warm = await server.gql(INGEST, { events: events(1, 1, 500, 'warm') });
    assert.equal(warm.errors, undefined, JSON.stringify(warm.errors));

    const counts: number[] = [];
    for (const [users, perUser, label, offset] of [[10, 10, 'a', 600], [200, 5, 'b', 700], [250, 4, 'c', 800]] as const) {
      // existing users (u0..u199) and, for the last batch, 50 new ones; each batch after the previous one (no late events)
      const batch = events(users, perUser, offset, label);
      const transactions = await ingestTransactions(async () => {
        const r = await server.gql<{ ingestEvents: { accepted: number } }>(INGEST, { events: batch });
        assert.equal(r.errors, undefined, JSON.stringify(r.errors));
        assert.equal(r.data!.ingestEvents.accepted, batch.length);
      });
      assert.deepEqual(shapes(transactions), ['all-new COMMIT'], 'one transaction per batch, its INSERT without ON CONFLICT');
      const statements = transactions[0]!;
      counts.push(statements.length);
      console.log(`ingest batch of ${batch.length} events for ${users} users: ${statements.length} statements:\n  ${statements.map((s) => s.slice(0, 80)).join('\n  ')}`);
    }
    assert.equal(new Set(counts).size, 1, `statements per batch vary with its size: ${counts.join(', ')}`);
    // 8 since live audiences (one statement per batch, with or without audiences: it takes the share lock that keeps
    // it and a concurrent recomputation of an audience from missing each other's writes)
    assert.ok(counts[0]! <= 8, `a batch takes ${counts[0]} statements`);
  });
});

const PROFILE = `query($id: ID!) { user(id: $id) { profile { eventCount purchaseFrequency totalSpent } } }`;
interface IngestData {
  ingestEvents: { accepted: number; duplicates: number; rejected: { code: string }[] };
}

async function ingest(batch: Record<string, unknown>[]): Promise<IngestData['ingestEvents']> {
  const r = await server.gql<IngestData>(INGEST, { events: batch });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.ingestEvents;
}

async function profile(userId: string) {
  const r = await server.gql<{ user: { profile: { eventCount: number; purchaseFrequency: number; totalSpent: number } } | null }>(PROFILE, { id: userId });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.user?.profile ?? null;
}

const purchase = (userId: string, eventId: string, minute: number, amount: number) => ({
  eventId,
  userId,
  type: 'PURCHASE',
  occurredAt: new Date(NOW.getTime() - 7_200_000 + minute * 60_000).toISOString(),
  amount,
});

describe('ingestEvents on batches holding stored events', () => {
  it('a full replay: the plain INSERT is refused, the batch runs again skipping every event, and nothing changes', async () => {
    const batch = [purchase('f-replay', 'r1', 0, 10), purchase('f-replay', 'r2', 1, 20), purchase('f-replay-2', 'r1', 2, 5)];
    const first = await ingestTransactions(async () => assert.deepEqual(await ingest(batch), { accepted: 3, duplicates: 0, rejected: [] }));
    assert.deepEqual(shapes(first), ['all-new COMMIT']);
    const before = [await profile('f-replay'), await profile('f-replay-2')];

    const again = await ingestTransactions(async () => assert.deepEqual(await ingest(batch), { accepted: 0, duplicates: 3, rejected: [] }));
    assert.deepEqual(shapes(again), ['all-new ROLLBACK', 'skip-stored COMMIT']);
    // nothing went in, so the second transaction stops after its INSERT
    assert.equal(again[1]!.length, 3, again[1]!.join('\n'));
    assert.deepEqual([await profile('f-replay'), await profile('f-replay-2')], before);
    assert.deepEqual(before.map((p) => p?.eventCount), [2, 1]);
  });

  it('a batch mixing stored and new events: the new ones go in once, with their new user, and count once', async () => {
    assert.deepEqual(await ingest([purchase('f-mixed', 'm1', 0, 10), purchase('f-mixed', 'm2', 1, 20)]), { accepted: 2, duplicates: 0, rejected: [] });
    // the stored events last: the refused INSERT had written the new ones before meeting them, and must leave nothing
    const mixed = [purchase('f-mixed', 'm3', 2, 5), purchase('f-mixed-new', 'm1', 3, 7), purchase('f-mixed', 'm2', 1, 20), purchase('f-mixed', 'm1', 0, 10)];
    const transactions = await ingestTransactions(async () => assert.deepEqual(await ingest(mixed), { accepted: 2, duplicates: 2, rejected: [] }));
    assert.deepEqual(shapes(transactions), ['all-new ROLLBACK', 'skip-stored COMMIT']);
    assert.deepEqual(await profile('f-mixed'), { eventCount: 3, purchaseFrequency: 3, totalSpent: 35 });
    assert.deepEqual(await profile('f-mixed-new'), { eventCount: 1, purchaseFrequency: 1, totalSpent: 7 });
    const db = server.database.db;
    assert.equal(await db.event.count({ where: { userId: { in: ['f-mixed', 'f-mixed-new'] } } }), 4);
    assert.equal(await db.user.count({ where: { id: 'f-mixed-new' } }), 1);

    // sent again, all of it is stored
    assert.deepEqual(await ingest(mixed), { accepted: 0, duplicates: 4, rejected: [] });
    assert.deepEqual(await profile('f-mixed'), { eventCount: 3, purchaseFrequency: 3, totalSpent: 35 });
  });

  it('two identical batches at once: one accepts every event, the other counts every one a duplicate, the profile once', async () => {
    assert.deepEqual(await ingest([purchase('f-twin', 't0', 0, 1)]), { accepted: 1, duplicates: 0, rejected: [] });
    const batch = Array.from({ length: 50 }, (_, i) => purchase('f-twin', `t${i + 1}`, 1 + i / 10, 2));
    // The user's profile is held while both batches run: the first to insert waits for it with its events written
    // and uncommitted, and the second's INSERT waits on those events. Released, the first commits and the second's
    // plain INSERT is refused on the events key.
    const holder = new pg.Client({ connectionString: server.database.url });
    await holder.connect();
    let both: Promise<IngestData['ingestEvents'][]> | undefined;
    const transactions = await ingestTransactions(async () => {
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT 1 FROM profiles WHERE user_id = 'f-twin' FOR UPDATE`);
        both = Promise.all([ingest(batch), ingest(batch)]);
        await until('one batch waits for the profile and the other for its events', async () => {
          // pg_stat_activity is a snapshot held for the rest of a transaction: take a fresh one each time
          await holder.query('SELECT pg_stat_clear_snapshot()');
          // (the statements named by parameters, so this query matches neither; only the two batches' statements are
          // counted, not any other session that happens to wait on a lock, such as a background job. The profile lock
          // by its start: pg_stat_activity keeps a statement's first 1,024 bytes, and its FOR UPDATE is past them)
          const r = await holder.query<{ inserting: number; locking: number }>(
            `SELECT count(*) FILTER (WHERE strpos(query, $1::text) > 0)::int AS inserting,
                    count(*) FILTER (WHERE strpos(query, $2::text) > 0)::int AS locking
               FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`,
            ['INSERT INTO events', 'SELECT p.user_id AS "userId"'],
          );
          return r.rows[0]!.inserting === 1 && r.rows[0]!.locking === 1;
        });
        await holder.query('COMMIT');
      } finally {
        // should the wait time out, the batches end (with the holder gone) without an unhandled rejection
        void both?.catch(() => undefined);
        await holder.end();
      }
      await both;
    });
    const results = await both!;
    assert.deepEqual(
      results.map((r) => [r.accepted, r.duplicates]).sort((a, b) => a[0]! - b[0]!),
      [[0, 50], [50, 0]],
    );
    assert.deepEqual(shapes(transactions).sort(), ['all-new COMMIT', 'all-new ROLLBACK', 'skip-stored COMMIT']);
    assert.deepEqual(await profile('f-twin'), { eventCount: 51, purchaseFrequency: 51, totalSpent: 101 });
    assert.equal(await server.database.db.event.count({ where: { userId: 'f-twin' } }), 51);
  });

  it('a unique violation on another constraint is an error, not a replay: it is not run again', async () => {
    // A constraint events might gain: one purchase per user and item. Two new purchases of one item break it.
    const c = new pg.Client({ connectionString: server.database.url });
    await c.connect();
    try {
      await c.query(`CREATE UNIQUE INDEX events_test_one_purchase_per_item ON events (user_id, item_id) WHERE type = 'PURCHASE'`);
      const batch = [{ ...purchase('f-unique', 'u1', 0, 10), itemId: 'i1' }, { ...purchase('f-unique', 'u2', 1, 10), itemId: 'i1' }];
      let errors: { message: string; extensions?: Record<string, unknown> }[] | undefined;
      const transactions = await ingestTransactions(async () => {
        errors = (await server.gql(INGEST, { events: batch })).errors;
      });
      assert.equal(errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR', JSON.stringify(errors));
      assert.deepEqual(shapes(transactions), ['all-new ROLLBACK']);
      assert.equal(await server.database.db.event.count({ where: { userId: 'f-unique' } }), 0);
      assert.equal(await server.database.db.user.count({ where: { id: 'f-unique' } }), 0);

      // What PostgreSQL reports, read by the classifier: the events key is a stored event, any other unique key is not.
      const violation = async (sql: string): Promise<unknown> => {
        await c.query('BEGIN');
        try {
          await c.query(sql);
          return undefined;
        } catch (err) {
          return err;
        } finally {
          await c.query('ROLLBACK');
        }
      };
      const row = (eventId: string, itemId: string) => `('${eventId}', 'f-k', 'PURCHASE', '${NOW.toISOString()}', '${itemId}', 1)`;
      const insertEvents = (...rows: string[]) => `INSERT INTO events (event_id, user_id, type, occurred_at, item_id, amount) VALUES ${rows.join(', ')}`;
      const stored = await violation(insertEvents(row('k1', 'i1'), row('k1', 'i2')));
      const otherIndex = await violation(insertEvents(row('k1', 'i1'), row('k2', 'i1')));
      const user = await violation(`INSERT INTO users (id) VALUES ('f-k'), ('f-k')`);
      assert.deepEqual([stored, otherIndex, user].map((e) => e instanceof pg.DatabaseError && e.code), ['23505', '23505', '23505']);
      assert.deepEqual([stored, otherIndex, user].map(isStoredEventConflict), [true, false, false]);
      assert.equal(isStoredEventConflict(new Error('duplicate key value violates unique constraint "events_pkey"')), false);
    } finally {
      await c.query('DROP INDEX IF EXISTS events_test_one_purchase_per_item');
      await c.end();
    }
  });
});

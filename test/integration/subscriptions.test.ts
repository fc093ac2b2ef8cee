// Membership notifications (issue 9): the outbox the triggers fill in the transaction of each membership change, and
// the membershipChanges subscription over WebSocket (graphql-ws client over `ws`) fed from it by LISTEN/NOTIFY.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { until } from '../support/wait.ts';
import { collect, rawConnect, subscriptionClient } from '../support/subscriptions.ts';
import { FEED_APPLICATION_NAME, MembershipFeed } from '../../src/modules/notifications/membership-feed.ts';
import { ChangeHub } from '../../src/modules/notifications/change-hub.ts';
import { createLogger } from '../../src/logger.ts';
import { fromPool } from '../../src/db/sql.ts';
import { writeSegments } from '../../src/modules/profiles/placements.ts';

const CHANGES = `subscription($targets: [ID!]) { membershipChanges(targetIds: $targets) { userId kind targetId entered at } }`;
interface Change { userId: string; kind: string; targetId: string; entered: boolean; at: string }
interface Changes { membershipChanges: Change }

let server: TestServer;
let readKey: string;
let bigSpenders: string;
let smallSpenders: string;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

const createAudience = async (name: string, rule: unknown) =>
  (await gqlOk<{ createAudience: { id: string } }>(`mutation($input: AudienceInput!) { createAudience(input: $input) { id } }`, { input: { name, rule } })).createAudience.id;

/** The outbox rows written after `afterId`, as (user, kind, target, entered). */
async function outboxSince(afterId: string): Promise<string[]> {
  const r = await server.database.pool.query<{ row: string }>(
    `SELECT concat_ws(' ', user_id, kind, target_id, CASE WHEN entered THEN 'in' ELSE 'out' END) AS row FROM membership_changes WHERE id > $1 ORDER BY row`,
    [afterId],
  );
  return r.rows.map((x) => x.row);
}
const lastOutboxId = async () => (await server.database.pool.query<{ id: string }>(`SELECT COALESCE(max(id), 0)::text AS id FROM membership_changes`)).rows[0]!.id;

/** Every transaction that updates the profile of `userId` fails at COMMIT, after the write under test ran. */
async function failCommitsTouching(userId: string): Promise<() => Promise<void>> {
  await server.database.pool.query(`CREATE FUNCTION test_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'test: commit refused'; END $$`);
  await server.database.pool.query(`CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT OR UPDATE ON profiles DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.user_id = '${userId}') EXECUTE FUNCTION test_fail_commit()`);
  return async () => {
    await server.database.pool.query('DROP TRIGGER test_fail_commit ON profiles');
    await server.database.pool.query('DROP FUNCTION test_fail_commit()');
  };
}

const purchase = (eventId: string, userId: string, amount: number) => ({ eventId, userId, type: 'PURCHASE' as const, occurredAt: new Date().toISOString(), amount });
const subscribers = () => server.services.membershipFeed.hub.size;

before(async () => {
  server = await startTestServer();
  await importUsersOk(server, [
    { userId: 'rich', totalSpent: 1_000, sessionsCount: 10 },
    ...Array.from({ length: 6 }, (_, i) => ({ userId: `poor-${i}`, totalSpent: 10, sessionsCount: 2 })),
  ]);
  bigSpenders = await createAudience('Big spenders', { condition: { field: 'totalSpent', op: 'GTE', value: 500 } });
  smallSpenders = await createAudience('Small spenders', { condition: { field: 'totalSpent', op: 'LT', value: 100 } });
  const created = await gqlOk<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "front end", role: READ }) { key } }`);
  readKey = created.createApiKey.key;
});
after(() => server.close());

describe('membership outbox', () => {
  it('records each audience entry and exit once, in the transaction that made it', async () => {
    const all = await outboxSince('0');
    assert.ok(all.includes(`rich AUDIENCE ${bigSpenders} in`), 'createAudience recorded its first members');
    assert.equal(all.filter((r) => r.startsWith('poor-0 ')).length, 1, 'poor-0 entered the small spenders only');
    const from = await lastOutboxId();
    await ingestEventsOk(server, [purchase('p0-1', 'poor-0', 600)]);
    assert.deepEqual(await outboxSince(from), [`poor-0 AUDIENCE ${bigSpenders} in`, `poor-0 AUDIENCE ${smallSpenders} out`].sort());
    // a write that changes no membership records nothing
    const still = await lastOutboxId();
    await ingestEventsOk(server, [purchase('p0-2', 'poor-0', 5)]);
    assert.deepEqual(await outboxSince(still), []);
  });

  it('records nothing for a batch that rolls back', async () => {
    const from = await lastOutboxId();
    const restore = await failCommitsTouching('poor-1');
    try {
      const r = await server.gql(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
        e: [purchase('p1-1', 'poor-1', 900), purchase('p2-1', 'poor-2', 900)],
      });
      assert.ok(r.errors?.length, 'the batch failed');
      const imported = await server.gql(`mutation($u: [UserImportInput!]!) { importUsers(users: $u) { imported } }`, {
        u: [{ userId: 'poor-1', totalSpent: 5_000 }],
      });
      assert.ok(imported.errors?.length, 'the import failed');
    } finally {
      await restore();
    }
    assert.deepEqual(await outboxSince(from), []);
  });

  it('records segment lineage entries and exits, and no phantom entry for a user re-placed within one transaction', async () => {
    const from = await lastOutboxId();
    const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 2, seed: 3, features: ["totalSpent", "sessionsCount"] }) { id } }`);
    const job = await waitForJob(server.database.db, retrain.id);
    assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
    const segments = await server.database.pool.query<{ id: string; lineage: string; users: string[] }>(
      `SELECT s.id, s.lineage::text AS lineage, array_agg(p.user_id ORDER BY p.user_id) AS users
       FROM segments s JOIN segment_placements p ON p.lineage = s.lineage JOIN segmentation_models m ON m.id = s.model_id AND m.active
       GROUP BY s.id, s.lineage`,
    );
    assert.equal(segments.rows.length, 2);
    // the activation placed everyone: one entry per user into its segment's lineage, nothing else
    const expected = segments.rows.flatMap((s) => s.users.map((u) => `${u} SEGMENT ${s.lineage} in`)).sort();
    assert.deepEqual((await outboxSince(from)).filter((r) => r.includes(' SEGMENT ')), expected);

    // an import that moves a user to the other group: one exit, one entry
    const [richSide, other] = segments.rows[0]!.users.includes('rich') ? [segments.rows[0]!, segments.rows[1]!] : [segments.rows[1]!, segments.rows[0]!];
    const mover = other.users.find((u) => u.startsWith('poor-'))!;
    const beforeMove = await lastOutboxId();
    await importUsersOk(server, [{ userId: mover, totalSpent: 1_000, sessionsCount: 10 }]);
    const moved = (await outboxSince(beforeMove)).filter((r) => r.includes(' SEGMENT '));
    assert.deepEqual(moved, [`${mover} SEGMENT ${other.lineage} out`, `${mover} SEGMENT ${richSide.lineage} in`].sort());

    // placed in one segment, then in another, in one transaction (what an ingest does after recounting sessions):
    // the entry of the first placement is taken back with its stay
    const userId = 'poor-3';
    const beforeTwice = await lastOutboxId();
    const client = await server.database.pool.connect();
    try {
      await client.query('BEGIN');
      // through placements.ts, the one writer of placements, which records each move (back and forth here)
      await writeSegments(fromPool(client), [userId], [richSide.id]);
      await writeSegments(fromPool(client), [userId], [other.id]);
      await writeSegments(fromPool(client), [userId], [richSide.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    assert.deepEqual(await outboxSince(beforeTwice), [`${userId} SEGMENT ${other.lineage} out`, `${userId} SEGMENT ${richSide.lineage} in`].sort());
  });
});

describe('membershipChanges subscription', () => {
  it('delivers an ingest\'s change to a READ key within a second, filtered by target', async () => {
    const client = subscriptionClient(server.url, { Authorization: `Bearer ${readKey}` });
    const filtered = collect<Changes>(client, CHANGES, { targets: [bigSpenders] });
    const everything = collect<Changes>(client, CHANGES);
    await until('both subscriptions are registered', async () => subscribers() === 2);
    const sent = performance.now();
    await ingestEventsOk(server, [purchase('p4-1', 'poor-4', 700)]);
    const [first] = await filtered.waitFor(1, 5_000);
    const latencyMs = first!.at - sent;
    console.log(`membershipChanges: the change arrived ${latencyMs.toFixed(1)} ms after the ingest was sent`);
    assert.ok(latencyMs < 1_000, `latency ${latencyMs} ms`);
    assert.equal(first!.errors, undefined);
    const change = first!.data!.membershipChanges;
    assert.deepEqual({ ...change, at: undefined }, { userId: 'poor-4', kind: 'AUDIENCE', targetId: bigSpenders, entered: true, at: undefined });
    assert.ok(Math.abs(Date.parse(change.at) - Date.now()) < 60_000, change.at);
    // the unfiltered one gets the exit from the other audience too; the filtered one does not
    const all = await everything.waitFor(2, 5_000);
    assert.deepEqual(
      all.map((r) => `${r.data!.membershipChanges.targetId} ${r.data!.membershipChanges.entered}`).sort(),
      [`${bigSpenders} true`, `${smallSpenders} false`].sort(),
    );
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(filtered.items.length, 1);
    await filtered.stop();
    await everything.stop();
    await until('the subscriptions are gone', async () => subscribers() === 0);
    await client.dispose();
  });

  it('accepts the key as authorization or apiKey, and closes the socket with 4401 without a valid one', async () => {
    for (const payload of [{ authorization: `Bearer ${readKey}` }, { apiKey: readKey }]) {
      const r = await rawConnect(server.url, payload);
      assert.equal(r.acked, true, JSON.stringify(payload));
      r.socket.close();
    }
    for (const payload of [undefined, {}, { Authorization: 'Bearer not-a-key' }, { apiKey: 'nope' }, { Authorization: readKey }]) {
      const r = await rawConnect(server.url, payload);
      assert.deepEqual([r.acked, r.code], [false, 4401], JSON.stringify(payload));
      assert.match(r.reason, /API key/);
    }
    // a revoked key gets no new subscription and loses its socket
    const { createApiKey } = await gqlOk<{ createApiKey: { key: string; apiKey: { id: string } } }>(
      `mutation { createApiKey(input: { name: "short-lived", role: READ }) { key apiKey { id } } }`,
    );
    const client = subscriptionClient(server.url, { Authorization: `Bearer ${createApiKey.key}` });
    const ok = collect<Changes>(client, CHANGES);
    await until('registered', async () => subscribers() === 1);
    await ok.stop();
    await gqlOk(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: createApiKey.apiKey.id });
    const refused = collect<Changes>(client, CHANGES);
    await refused.done;
    assert.equal((refused.failure as { code?: number }).code, 4401);
    await client.dispose();
  });

  it('refuses bad input and hostile documents with a code, and serves only subscriptions', async () => {
    const client = subscriptionClient(server.url, { Authorization: `Bearer ${readKey}` });
    const errorOf = async (query: string, variables: Record<string, unknown> = {}) => {
      const sub = collect<Changes>(client, query, variables);
      await sub.done;
      const failure = sub.failure as { message: string; extensions?: { code?: string } }[] | null;
      const fromResult = sub.items[0]?.errors?.[0];
      const error = Array.isArray(failure) ? failure[0] : fromResult;
      assert.ok(error, `no error for ${query} ${JSON.stringify(variables)}`);
      return { code: error.extensions?.code, message: error.message };
    };
    assert.deepEqual(await errorOf(CHANGES, { targets: ['not-a-uuid'] }), {
      code: 'BAD_USER_INPUT',
      message: 'targetIds[0]: must be a segment lineage or an audience id (a UUID)',
    });
    assert.equal((await errorOf(CHANGES, { targets: [] })).code, 'BAD_USER_INPUT');
    assert.equal((await errorOf(CHANGES, { targets: Array.from({ length: 1_001 }, () => bigSpenders) })).code, 'BAD_USER_INPUT');
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: userId`).join(' ');
    const tooMany = await errorOf(`subscription { membershipChanges { ${aliases} } }`);
    assert.equal(tooMany.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(tooMany.message, /Aliases limit of 15/);
    assert.equal((await errorOf(`subscription { membershipChanges { nope } }`)).code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal((await errorOf(`subscription { membershipChanges { userId `)).code, 'GRAPHQL_PARSE_FAILED');
    const query = await errorOf(`{ users { totalCount } }`);
    assert.equal(query.code, 'BAD_REQUEST');
    assert.match(query.message, /POST \/graphql/);
    assert.equal(subscribers(), 0);
    await client.dispose();
    // over HTTP a subscription is refused with 400, not run
    const http = await server.gql(CHANGES);
    assert.equal(http.errors?.[0]?.extensions?.code, 'BAD_REQUEST', JSON.stringify(http.errors));
  });

  it('catches up with what committed while its database connection was down, and delivers each change once', async () => {
    // a second feed on the same database, reconnecting slowly enough that the ingest below surely commits meanwhile
    const hub = new ChangeHub(100);
    const feed = new MembershipFeed(server.database.pool.options, hub, createLogger('silent'), { reconnectDelaysMs: [1_500], applicationName: 'test-feed' });
    await feed.ready();
    const stream = hub.subscribe({ targetIds: [bigSpenders], onOverflow: () => assert.fail('overflow') });
    const received: string[] = [];
    const reading = (async () => {
      for await (const change of stream) received.push(`${change.userId} ${change.entered}`);
    })();
    try {
      const killed = await server.database.pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'test-feed'`);
      assert.equal(killed.rowCount, 1);
      await until('the feed noticed', async () => !feed.connected);
      await ingestEventsOk(server, [purchase('p5-1', 'poor-5', 800)]);
      assert.equal(feed.connected, false, 'the change committed while the feed was disconnected');
      await until('the change caught up', async () => received.length === 1, 10_000);
      assert.deepEqual(received, ['poor-5 true']);
      // live again, once per change: the catch-up and the notification of later commits never repeat one
      await ingestEventsOk(server, [purchase('p5-2', 'poor-5', 1), purchase('p3-9', 'poor-3', 900)]);
      await until('the live change', async () => received.length === 2, 5_000);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(received, ['poor-5 true', 'poor-3 true']);
    } finally {
      await feed.stop();
      await reading;
    }
  });

  it('publishes a transaction of more changes than one page exactly once each', async () => {
    const hub = new ChangeHub(5_000);
    const feed = new MembershipFeed(server.database.pool.options, hub, createLogger('silent'), { applicationName: 'test-feed-pages' });
    await feed.ready();
    const stream = hub.subscribe({ targetIds: null, onOverflow: () => assert.fail('overflow') });
    const users = Array.from({ length: 1_500 }, (_, i) => ({ userId: `bulk-${i}`, totalSpent: 7_777 }));
    const received: string[] = [];
    const reading = (async () => {
      for await (const change of stream) received.push(`${change.userId} ${change.targetId} ${change.entered}`);
    })();
    try {
      for (let i = 0; i < users.length; i += 300) await importUsersOk(server, users.slice(i, i + 300));
      const audience = await createAudience('Exactly 7777', { condition: { field: 'totalSpent', op: 'EQ', value: 7_777 } });
      await until('every entry arrived', async () => received.filter((r) => r.includes(audience)).length >= 1_500, 20_000);
      await new Promise((r) => setTimeout(r, 300));
      const entries = received.filter((r) => r.includes(audience));
      assert.equal(entries.length, 1_500);
      assert.equal(new Set(entries).size, 1_500, 'no change twice');
    } finally {
      await feed.stop();
      await reading;
    }
  });

  it('is served by one database connection per process, whatever the number of subscribers', async () => {
    const clients = [0, 1, 2].map(() => subscriptionClient(server.url, { Authorization: `Bearer ${readKey}` }));
    const subs = clients.flatMap((c) => [collect<Changes>(c, CHANGES), collect<Changes>(c, CHANGES, { targets: [smallSpenders] })]);
    await until('registered', async () => subscribers() === 6);
    const r = await server.database.pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [FEED_APPLICATION_NAME]);
    assert.equal(r.rows[0].n, 1);
    await ingestEventsOk(server, [purchase('p2-9', 'poor-2', 2_000)]);
    for (const [i, sub] of subs.entries()) {
      const [got] = await sub.waitFor(1, 5_000);
      const change = got!.data!.membershipChanges;
      assert.equal(change.userId, 'poor-2');
      if (i % 2 === 1) assert.deepEqual([change.targetId, change.entered], [smallSpenders, false]);
    }
    for (const sub of subs) await sub.stop();
    for (const c of clients) await c.dispose();
  });

  it('disconnects a subscriber that falls more than PORTRAIT_SUBSCRIPTION_BUFFER changes behind, with 1013', async () => {
    const small = await startTestServer({ jobs: false, env: { PORTRAIT_SUBSCRIPTION_BUFFER: '10' } });
    try {
      await importUsersOk(small, Array.from({ length: 30 }, (_, i) => ({ userId: `u-${i}`, totalSpent: 100 + i })));
      const r = await rawConnect(small.url, { apiKey: 'test-admin-key-0123456789abcdef' });
      assert.equal(r.acked, true);
      const closed = new Promise<{ code: number; reason: string }>((resolve) => r.socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
      r.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: CHANGES } }));
      await until('registered', async () => small.services.membershipFeed.hub.size === 1);
      // one transaction makes 30 users enter: more than the 10 a subscriber may have waiting
      const created = await small.gql(`mutation { createAudience(input: { name: "All", rule: { condition: { field: "totalSpent", op: GTE, value: 0 } } }) { size } }`);
      assert.deepEqual(created.data, { createAudience: { size: 30 } });
      assert.deepEqual(await closed, { code: 1013, reason: 'Subscriber too slow: more than 10 changes were waiting' });
      assert.equal(small.services.membershipFeed.hub.size, 0);
    } finally {
      await small.close();
    }
  });

  it('closes open sockets with 1001 when the server shuts down', async () => {
    const other = await startTestServer({ jobs: false });
    const r = await rawConnect(other.url, { Authorization: `Bearer test-admin-key-0123456789abcdef` });
    assert.equal(r.acked, true);
    const closed = new Promise<number>((resolve) => r.socket.on('close', (code) => resolve(code)));
    r.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: CHANGES } }));
    await until('registered', async () => other.services.membershipFeed.hub.size === 1);
    const started = performance.now();
    await other.close();
    assert.equal(await closed, 1001);
    assert.ok(performance.now() - started < 5_000);
    assert.equal(other.services.membershipFeed.hub.size, 0);
  });
});

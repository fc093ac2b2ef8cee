// Audiences through the API: create / update / delete (ADMIN only), reads (size, users, User.audiences), rules that
// are refused with the path of the problem, live membership on ingest and import (in the write's transaction), and
// the hourly re-evaluation of a rule that changes with time alone.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import pg from 'pg';
import { bumpGeneration, recomputeAudience } from '../../src/modules/audiences/membership.ts';
import { parseRule } from '../../src/modules/audiences/rule.ts';

const START = new Date('2026-11-20T12:00:00Z');
const HOUR = 3_600_000;
let clock = START;
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => clock });
});
after(() => server.close());
beforeEach(async () => {
  clock = START;
  await server.database.reset();
});

const AUDIENCE = 'id name rule size createdAt updatedAt';
const CREATE = `mutation($input: AudienceInput!) { createAudience(input: $input) { ${AUDIENCE} } }`;
const UPDATE = `mutation($id: ID!, $input: AudienceInput!) { updateAudience(id: $id, input: $input) { ${AUDIENCE} } }`;

interface AudienceOut { id: string; name: string; rule: unknown; size: number; createdAt: string; updatedAt: string }

async function gqlOk<T>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<T> {
  const r = await server.gql<T>(query, variables, headers);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

const create = async (name: string, rule: unknown) => (await gqlOk<{ createAudience: AudienceOut }>(CREATE, { input: { name, rule } })).createAudience;
const cond = (field: string, op: string, value?: unknown) => ({ condition: { field, op, ...(value === undefined ? {} : { value }) } });

async function membersOf(audienceId: string): Promise<string[]> {
  const rows = await server.database.db.audienceMember.findMany({ where: { audienceId }, orderBy: { userId: 'asc' } });
  return rows.map((r) => r.userId);
}

/** Entries and exits in the order of their times (one statement's rows, made at one time, by user id). */
async function changesOf(audienceId: string): Promise<[string, boolean][]> {
  const rows = await server.database.db.audienceMembershipChange.findMany({ where: { audienceId }, orderBy: [{ at: 'asc' }, { userId: 'asc' }, { id: 'asc' }] });
  return rows.map((r) => [r.userId, r.entered]);
}

const buyers = () =>
  importUsersOk(server, [
    { userId: 'ann', age: 31, gender: 'F', totalSpent: 900, purchaseFrequency: 6, lastPurchaseDays: 3, sessionsCount: 20 },
    { userId: 'bob', age: 52, gender: 'M', totalSpent: 40, purchaseFrequency: 1, lastPurchaseDays: 200, sessionsCount: 2 },
    { userId: 'cat', age: 23, totalSpent: 0, purchaseFrequency: 0, sessionsCount: 9 },
    { userId: 'dan', gender: 'M', totalSpent: 300, purchaseFrequency: 3, lastPurchaseDays: 30, sessionsCount: 5 },
  ]);

describe('audiences: API', () => {
  it('creates, reads, updates and deletes an audience, its membership following its rule', async () => {
    await buyers();
    const rule = { all: [cond('totalSpent', 'GTE', 100), { not: cond('gender', 'EQ', 'F') }] };
    const created = await create('Male-or-unknown spenders', rule);
    assert.equal(created.name, 'Male-or-unknown spenders');
    assert.deepEqual(created.rule, rule, 'the rule comes back as given');
    assert.equal(created.size, 1);
    assert.equal(created.createdAt, START.toISOString());
    assert.deepEqual(await membersOf(created.id), ['dan']);
    assert.deepEqual(await changesOf(created.id), [['dan', true]]);

    const read = await gqlOk<{ audiences: { id: string }[]; audience: AudienceOut & { users: { totalCount: number; edges: { node: { id: string } }[] } } }>(
      `query($id: ID!) { audiences { id } audience(id: $id) { ${AUDIENCE} users { totalCount edges { node { id } } } } }`,
      { id: created.id },
    );
    assert.deepEqual(read.audiences, [{ id: created.id }]);
    assert.deepEqual(read.audience.users, { totalCount: 1, edges: [{ node: { id: 'dan' } }] });

    clock = new Date(START.getTime() + HOUR);
    const updated = (await gqlOk<{ updateAudience: AudienceOut }>(UPDATE, { id: created.id, input: { name: 'Spenders', rule: cond('totalSpent', 'GT', 100) } })).updateAudience;
    assert.deepEqual([updated.name, updated.size, updated.createdAt, updated.updatedAt], ['Spenders', 2, START.toISOString(), clock.toISOString()]);
    assert.deepEqual(await membersOf(created.id), ['ann', 'dan']);
    assert.deepEqual(await changesOf(created.id), [['dan', true], ['ann', true]]);

    const narrowed = (await gqlOk<{ updateAudience: AudienceOut }>(UPDATE, { id: created.id, input: { name: 'Big spenders', rule: cond('totalSpent', 'GT', 500) } })).updateAudience;
    assert.equal(narrowed.size, 1);
    assert.deepEqual((await changesOf(created.id)).at(-1), ['dan', false], 'leaving is recorded');

    const deleted = await gqlOk<{ deleteAudience: boolean }>(`mutation($id: ID!) { deleteAudience(id: $id) }`, { id: created.id });
    assert.equal(deleted.deleteAudience, true);
    const gone = await gqlOk<{ audience: unknown; again: boolean }>(`query($id: ID!) { audience(id: $id) { id } }`, { id: created.id });
    assert.equal(gone.audience, null);
    assert.equal(await server.database.db.audienceMember.count(), 0);
    const again = await gqlOk<{ deleteAudience: boolean }>(`mutation($id: ID!) { deleteAudience(id: $id) }`, { id: created.id });
    assert.equal(again.deleteAudience, false);

    const missing = await server.gql(UPDATE, { id: created.id, input: { name: 'x', rule: cond('clicks', 'GT', 1) } });
    assert.equal(missing.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const notAnId = await gqlOk<{ audience: unknown }>(`{ audience(id: "not-an-id") { id } }`);
    assert.equal(notAnId.audience, null);
  });

  it('pages through members, and lists each user\'s audiences in one query per request', async () => {
    await buyers();
    const spenders = await create('spenders', cond('totalSpent', 'GT', 0));
    const young = await create('young', cond('age', 'LT', 30));
    const first = await gqlOk<{ audience: { users: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; edges: { node: { id: string } }[] } } }>(
      `query($id: ID!) { audience(id: $id) { users(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }`,
      { id: spenders.id },
    );
    assert.deepEqual(first.audience.users.edges.map((e) => e.node.id), ['ann', 'bob']);
    assert.equal(first.audience.users.totalCount, 3);
    assert.equal(first.audience.users.pageInfo.hasNextPage, true);
    const second = await gqlOk<{ audience: { users: { pageInfo: { hasNextPage: boolean }; edges: { node: { id: string } }[] } } }>(
      `query($id: ID!, $after: String) { audience(id: $id) { users(first: 2, after: $after) { pageInfo { hasNextPage } edges { node { id } } } } }`,
      { id: spenders.id, after: first.audience.users.pageInfo.endCursor },
    );
    assert.deepEqual(second.audience.users.edges.map((e) => e.node.id), ['dan']);
    assert.equal(second.audience.users.pageInfo.hasNextPage, false);

    let membershipQueries = 0;
    const original = server.database.db.audienceMember.findMany.bind(server.database.db.audienceMember);
    server.database.db.audienceMember.findMany = ((...args: Parameters<typeof original>) => {
      membershipQueries++;
      return original(...args);
    }) as typeof original;
    try {
      const users = await gqlOk<{ users: { edges: { node: { id: string; audiences: { name: string }[] } }[] } }>(`{ users { edges { node { id audiences { name } } } } }`);
      assert.deepEqual(
        users.users.edges.map((e) => [e.node.id, e.node.audiences.map((a) => a.name)]),
        [['ann', ['spenders']], ['bob', ['spenders']], ['cat', ['young']], ['dan', ['spenders']]],
      );
    } finally {
      server.database.db.audienceMember.findMany = original;
    }
    assert.equal(membershipQueries, 1, 'User.audiences is batched');
    assert.ok(young.id);
  });

  it('lets READ keys read audiences but not create, change or delete them', async () => {
    await buyers();
    const audience = await create('spenders', cond('totalSpent', 'GT', 0));
    const key = (await gqlOk<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "reader", role: READ }) { key } }`)).createApiKey.key;
    const reader = { authorization: `Bearer ${key}` };
    const read = await gqlOk<{ audiences: { name: string; size: number }[] }>(`{ audiences { name size } }`, undefined, reader);
    assert.deepEqual(read.audiences, [{ name: 'spenders', size: 3 }]);
    for (const [query, variables] of [
      [CREATE, { input: { name: 'nope', rule: cond('clicks', 'GT', 0) } }],
      [UPDATE, { id: audience.id, input: { name: 'nope', rule: cond('clicks', 'GT', 0) } }],
      [`mutation($id: ID!) { deleteAudience(id: $id) }`, { id: audience.id }],
    ] as const) {
      const r = await server.gql(query, variables, reader);
      assert.equal(r.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    }
    const rows = await server.database.db.audience.findMany();
    assert.deepEqual(rows.map((a) => a.name), ['spenders']);
    assert.equal(await membersOf(audience.id).then((m) => m.length), 3);
  });

  it('refuses a bad rule with BAD_USER_INPUT naming where in the rule the problem is, and writes nothing', async () => {
    await buyers();
    const nested = (n: number): unknown => (n === 0 ? 1 : [nested(n - 1)]);
    const deep = (n: number): unknown => (n === 0 ? cond('clicks', 'GT', 1) : { not: deep(n - 1) });
    const cases: [unknown, string, RegExp][] = [
      [{ all: [cond('clicks', 'GT', 1), cond('totalSpent', 'LT', 5), cond('age', 'GT', 'thirty')] }, 'input.rule.all[2].condition.value', /number/],
      [cond('favouriteColour', 'EQ', 'red'), 'input.rule.condition.field', /unknown field "favouriteColour"/],
      [cond('interestTags', 'GT', 3), 'input.rule.condition.op', /GT does not fit interestTags; use CONTAINS/],
      [cond('clicks', 'CONTAINS', 'x'), 'input.rule.condition.op', /does not fit clicks/],
      [cond('clicks', 'EXISTS'), 'input.rule.condition.op', /EXISTS does not fit clicks/],
      [cond('gender', 'EQ', 'X'), 'input.rule.condition.value', /one of M, F, OTHER/],
      [cond('labels.value', 'IN', ['HIGH', 'HUGE']), 'input.rule.condition.value[1]', /one of NONE, LOW, MEDIUM, HIGH/],
      [cond('rfm.segment', 'IN', []), 'input.rule.condition.value', /list of 1 to/],
      [cond('segment', 'EQ', 'segment-1'), 'input.rule.condition.value', /UUID/],
      [cond('lastPurchaseDays', 'EXISTS', 'yes'), 'input.rule.condition.value', /true .* false/],
      [cond('interestTags', 'CONTAINS', 'a\u0000b'), 'input.rule.condition.value', /NUL/],
      [cond('interestTags', 'CONTAINS', 'x'.repeat(129)), 'input.rule.condition.value', /1 to 128 characters/],
      [cond('clicks', 'IN', [1, nested(40)]), 'input.rule.condition.value', /at most 32 levels/],
      [cond('totalSpent', 'GT', '1e308'), 'input.rule.condition.value', /must be a number/],
      [{ any: [cond('clicks', 'GT', 1), { not: { all: [cond('clicks', 'GT', 1)], condition: { field: 'clicks', op: 'GT', value: 1 } } }] }, 'input.rule.any[1].not', /exactly one of all, any, not, condition \(found all, condition\)/],
      [{}, 'input.rule', /exactly one .* \(found none\)/],
      [{ all: [] }, 'input.rule.all', /at least one rule/],
      [deep(12), 'input.rule' + '.not'.repeat(10), /at most 10 levels/],
      [{ any: Array.from({ length: 250 }, () => cond('clicks', 'GT', 1)) }, 'input.rule.any[199]', /at most 200 nodes/],
    ];
    for (const [rule, field, message] of cases) {
      const r = await server.gql(CREATE, { input: { name: 'bad', rule } });
      const e = r.errors?.[0];
      assert.equal(e?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r));
      assert.equal(e?.extensions?.field, field, JSON.stringify(e));
      assert.match(e!.message, message);
      assert.ok(e!.message.startsWith(`${field}: `), e!.message);
    }
    for (const name of ['', 'tab\there', 'x'.repeat(201), 'lone \ud800']) {
      const r = await server.gql(CREATE, { input: { name, rule: cond('clicks', 'GT', 1) } });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r));
      assert.equal(r.errors?.[0]?.extensions?.field, 'input.name');
    }
    // A rule nested far deeper than the limit is refused before graphql-js coerces it (recursively) at all.
    const levels = 20_000;
    const rule = '{"not":'.repeat(levels) + JSON.stringify(cond('clicks', 'GT', 1)) + '}'.repeat(levels);
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: `{"query":${JSON.stringify(CREATE)},"variables":{"input":{"name":"deep","rule":${rule}}}}`,
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    assert.equal(body.errors[0]!.extensions.code, 'BAD_USER_INPUT');
    assert.match(body.errors[0]!.message, /Variables nest deeper than 64 levels of input objects and lists/);

    assert.equal(await server.database.db.audience.count(), 0);
    assert.equal(await server.database.db.audienceMembershipChange.count(), 0);
  });
});

const INGEST = `mutation($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { code } } }`;

describe('audiences: kept live', () => {
  it('moves a user in and out as ingested events change the profile, in the ingest\'s transaction', async () => {
    await buyers();
    const spenders = await create('spent over 1000', cond('totalSpent', 'GT', 1000));
    const light = await create('few clicks', { all: [cond('clicks', 'LT', 2), cond('eventCount', 'GTE', 0)] });
    assert.deepEqual(await membersOf(spenders.id), []);
    assert.deepEqual(await membersOf(light.id), ['ann', 'bob', 'cat', 'dan']);

    const t = (m: number) => new Date(START.getTime() - HOUR + m * 60_000).toISOString();
    clock = new Date(START.getTime() + 60_000);
    await ingestEventsOk(server, [
      { eventId: 'a-1', userId: 'ann', type: 'PURCHASE', occurredAt: t(1), amount: 250 },
      { eventId: 'a-2', userId: 'ann', type: 'CLICK', occurredAt: t(2) },
      { eventId: 'a-3', userId: 'ann', type: 'CLICK', occurredAt: t(3) },
      { eventId: 'e-1', userId: 'eve', type: 'CLICK', occurredAt: t(3) },
    ]);
    assert.deepEqual(await membersOf(spenders.id), ['ann'], 'ann entered with her purchase');
    assert.deepEqual(await membersOf(light.id), ['bob', 'cat', 'dan', 'eve'], 'ann left with her clicks; eve, new, entered');
    assert.deepEqual(await changesOf(light.id), [['ann', true], ['bob', true], ['cat', true], ['dan', true], ['ann', false], ['eve', true]]);
    const ann = await gqlOk<{ user: { audiences: { name: string }[] } }>(`{ user(id: "ann") { audiences { name } } }`);
    assert.deepEqual(ann.user.audiences, [{ name: 'spent over 1000' }]);

    // An import that lowers ann's baseline moves her out in its own transaction.
    await importUsersOk(server, [{ userId: 'ann', totalSpent: 100 }]);
    assert.deepEqual(await membersOf(spenders.id), []);
    assert.deepEqual((await changesOf(spenders.id)).at(-1), ['ann', false]);

    // A batch that fails after its profile writes leaves no trace: not the events, nor the profiles, nor the membership.
    await server.database.pool.query(`
      CREATE FUNCTION refuse_bob() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.user_id = 'bob' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER refuse_bob BEFORE INSERT ON audience_membership_changes FOR EACH ROW EXECUTE FUNCTION refuse_bob();`);
    try {
      const before = { bob: await server.database.db.profile.findUnique({ where: { userId: 'bob' } }), members: await membersOf(light.id) };
      const failed = await server.gql(INGEST, {
        events: [
          { eventId: 'b-1', userId: 'bob', type: 'CLICK', occurredAt: t(10) },
          { eventId: 'b-2', userId: 'bob', type: 'CLICK', occurredAt: t(11) },
          { eventId: 'd-1', userId: 'dan', type: 'PURCHASE', occurredAt: t(11), amount: 5_000 },
        ],
      });
      assert.ok(failed.errors?.length, 'the batch failed');
      assert.equal(await server.database.db.event.count({ where: { eventId: { in: ['b-1', 'b-2', 'd-1'] } } }), 0);
      assert.deepEqual(await server.database.db.profile.findUnique({ where: { userId: 'bob' } }), before.bob);
      assert.deepEqual(await membersOf(light.id), before.members);
      assert.deepEqual(await membersOf(spenders.id), [], 'dan did not enter');
    } finally {
      await server.database.pool.query('DROP TRIGGER refuse_bob ON audience_membership_changes; DROP FUNCTION refuse_bob()');
    }
  });

  it('an ingest that waits for an audience being created evaluates that audience as well', async () => {
    await buyers();
    await create('warm-up', cond('clicks', 'GT', 0));
    const rule = cond('totalSpent', 'GT', 1000);
    // Another process creates an audience: generation bumped, audience inserted, membership computed, not committed.
    const creator = new pg.Client({ connectionString: server.database.url });
    const watcher = new pg.Client({ connectionString: server.database.url });
    await Promise.all([creator.connect(), watcher.connect()]);
    try {
      const sql = { query: async <T>(text: string, params: readonly unknown[] = []) => (await creator.query(text, [...params])).rows as T[] };
      await creator.query('BEGIN');
      await bumpGeneration(sql);
      const [row] = await sql.query<{ id: string }>(`INSERT INTO audiences (id, name, rule) VALUES (gen_random_uuid(), 'big spenders', $1) RETURNING id`, [JSON.stringify(rule)]);
      await recomputeAudience(sql, row!.id, parseRule(rule), START, server.services.portrait);
      // ann's purchase takes her over 1000 while the creation is open: the set-wise computation could not see it, so
      // the ingest must wait for the creation and evaluate the new audience itself.
      const ingest = server.gql(INGEST, { events: [{ eventId: 'x-1', userId: 'ann', type: 'PURCHASE', occurredAt: START.toISOString(), amount: 250 }] });
      for (;;) {
        await watcher.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await watcher.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%audience_generation%'`,
        );
        if (rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await creator.query('COMMIT');
      const r = await ingest;
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.deepEqual(await membersOf(row!.id), ['ann']);
      assert.deepEqual(await changesOf(row!.id), [['ann', true]]);
    } finally {
      await creator.end();
      await watcher.end();
    }
  });

  it('re-evaluates a rule that changes with time alone in the hourly run', async () => {
    await ingestEventsOk(server, [
      { eventId: 'r-1', userId: 'ria', type: 'PURCHASE', occurredAt: new Date(START.getTime() - HOUR), amount: 20 },
      { eventId: 's-1', userId: 'sam', type: 'PURCHASE', occurredAt: new Date(START.getTime() - 3 * 24 * HOUR), amount: 20 },
    ]);
    const recent = await create('bought this week', { all: [cond('lastPurchaseDays', 'LTE', 7), cond('recencyScore', 'GT', 0.5)] });
    const stable = await create('bought at all', cond('purchaseFrequency', 'GT', 0));
    assert.deepEqual(await membersOf(recent.id), ['ria', 'sam']);

    // Five days on, with no event: sam's purchase is eight days old.
    clock = new Date(START.getTime() + 5 * 24 * HOUR);
    const run = await gqlOk<{ runSchedule: { id: string } }>(`mutation { runSchedule(name: HOURLY) { id } }`);
    const job = await waitForJob(server.database.db, run.runSchedule.id);
    assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
    assert.deepEqual(await membersOf(recent.id), ['ria']);
    assert.deepEqual((await changesOf(recent.id)).at(-1), ['sam', false]);
    const change = await server.database.db.audienceMembershipChange.findFirst({ where: { audienceId: recent.id, entered: false } });
    assert.equal(change?.at.toISOString(), clock.toISOString());
    assert.match(JSON.stringify(job.result), /1 time-dependent audience\(s\) re-evaluated \(0 entered, 1 left\)/);
    assert.deepEqual(await membersOf(stable.id), ['ria', 'sam']);
  });
});

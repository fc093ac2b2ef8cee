import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ingestEventsOk, type EventRow } from '../support/seed.ts';
import { UserLookup } from '../../src/modules/users/user-lookup.ts';

const USERS = `query($first: Int, $after: String) { users(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id profile { eventCount } } } } }`;

interface UsersData {
  users: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { cursor: string; node: { id: string; profile: { eventCount: number } } }[];
  };
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());
beforeEach(() => server.database.reset());

async function seed(n: number) {
  const events = Array.from({ length: n }, (_, i): EventRow => ({
    eventId: `e${i}`,
    userId: `user-${String(i).padStart(3, '0')}`,
    type: 'CLICK',
    occurredAt: new Date(Date.now() - 3600_000).toISOString(),
  }));
  await ingestEventsOk(server, events);
}

describe('users', () => {
  it('pages through every user once, in id order, with keyset cursors', async () => {
    await seed(25);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r: Awaited<ReturnType<typeof server.gql<UsersData>>> = await server.gql<UsersData>(USERS, { first: 10, after });
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const page = r.data!.users;
      assert.equal(page.totalCount, 25);
      seen.push(...page.edges.map((e) => e.node.id));
      assert.ok(page.edges.every((e) => e.node.profile.eventCount === 1));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.equal(pages, 3);
    assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => `user-${String(i).padStart(3, '0')}`));
  });

  it('refuses a forged cursor and an oversized page with BAD_USER_INPUT', async () => {
    const forged = await server.gql(USERS, { first: 10, after: 'bm90LWEtY3Vyc29y' });
    assert.equal(forged.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(forged.errors![0]!.message, /^after:/);
    const segment = await server.gql(`{ users(segmentId: "not-a-segment") { totalCount } }`);
    assert.equal(segment.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(segment.errors![0]!.message, /^segmentId:/);
    const big = await server.gql(USERS, { first: 100_000 });
    assert.equal(big.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(big.errors![0]!.message, /^first:/);
  });

  it('returns null for an unknown user', async () => {
    const r = await server.gql<{ user: null }>(`{ user(id: "nobody") { id } }`);
    assert.equal(r.errors, undefined);
    assert.equal(r.data!.user, null);
  });

  it('answers every one of many concurrent lookups with its own user, across several batches', async () => {
    await seed(30);
    // 1,300 lookups in one turn: more than one batch's 500 (user-lookup.ts), with repeated and unknown ids
    const lookup = new UserLookup(server.database.pool);
    const ids = Array.from({ length: 1300 }, (_, i) => (i % 7 === 0 ? `nobody-${i}` : `user-${String(i % 30).padStart(3, '0')}`));
    const rows = await Promise.all(ids.map((id) => lookup.load(id)));
    assert.deepEqual(rows.map((r) => r?.id ?? null), ids.map((id) => (id.startsWith('nobody') ? null : id)));
    assert.ok(rows.every((r) => r === null || r.profile?.eventCount === 1));
    // and a later lookup sees the rows as they are then (the lookup keeps no cache)
    await server.database.db.user.update({ where: { id: 'user-001' }, data: { age: 33 } });
    assert.equal((await lookup.load('user-001'))?.age, 33);
  });

  it('deleteUser erases the user, its events and its profile', async () => {
    await seed(2);
    const del = `mutation($id: ID!) { deleteUser(id: $id) }`;
    const r = await server.gql<{ deleteUser: boolean }>(del, { id: 'user-000' });
    assert.equal(r.data!.deleteUser, true);
    const db = server.database.db;
    assert.equal(await db.user.count({ where: { id: 'user-000' } }), 0);
    assert.equal(await db.event.count({ where: { userId: 'user-000' } }), 0);
    assert.equal(await db.profile.count({ where: { userId: 'user-000' } }), 0);
    assert.equal(await db.user.count(), 1, 'the other user stays');
    const again = await server.gql<{ deleteUser: boolean }>(del, { id: 'user-000' });
    assert.equal(again.data!.deleteUser, false);
  });
});

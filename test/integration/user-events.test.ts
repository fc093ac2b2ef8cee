// User.events: newest first (occurredAt, then eventId, descending), keyset pages that neither skip nor repeat, per
// user in a list of users, and a clear BAD_USER_INPUT for a forged cursor or a page too large.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ingestEventsOk, importUsersOk, type EventRow } from '../support/seed.ts';

let server: TestServer;

interface Page { edges: { cursor: string; node: { eventId: string; type: string; occurredAt: string; amount: number | null; categories: string[] } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
const PAGE = `query($id: ID!, $first: Int, $after: String) { user(id: $id) { events(first: $first, after: $after) {
  edges { cursor node { eventId type occurredAt amount categories } } pageInfo { hasNextPage endCursor } } } }`;

async function page(id: string, first: number, after: string | null): Promise<Page> {
  const r = await server.gql<{ user: { events: Page } }>(PAGE, { id, first, after });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.user.events;
}

const base = Date.parse('2026-11-20T08:00:00Z');
const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
// two events share an instant (their ids break the tie) and one arrives late (back-dated)
const events: EventRow[] = [
  { eventId: 'a-1', userId: 'ann', type: 'SESSION_START', occurredAt: at(0) },
  { eventId: 'a-2', userId: 'ann', type: 'PAGE_VIEW', occurredAt: at(1), categories: ['books'], durationSeconds: 30 },
  { eventId: 'a-3b', userId: 'ann', type: 'CLICK', occurredAt: at(2) },
  { eventId: 'a-3a', userId: 'ann', type: 'ADD_TO_CART', occurredAt: at(2) },
  { eventId: 'a-4', userId: 'ann', type: 'PURCHASE', occurredAt: at(3), amount: 42 },
  { eventId: 'b-1', userId: 'ben', type: 'PAGE_VIEW', occurredAt: at(5) },
  { eventId: 'b-2', userId: 'ben', type: 'PAGE_VIEW', occurredAt: at(6) },
];

before(async () => {
  server = await startTestServer({ jobs: false });
  await ingestEventsOk(server, events);
  await ingestEventsOk(server, [{ eventId: 'a-0', userId: 'ann', type: 'PAGE_VIEW', occurredAt: at(-60) }]);
  await importUsersOk(server, [{ userId: 'cal', totalSpent: 5 }]);
});
after(async () => {
  await server?.close();
});

describe('User.events', () => {
  it('pages newest first, ties broken by event id, with no event skipped or repeated', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const p = await page('ann', 2, after);
      assert.ok(p.edges.length <= 2);
      seen.push(...p.edges.map((e) => e.node.eventId));
      assert.equal(p.pageInfo.endCursor, p.edges.at(-1)?.cursor ?? null);
      if (!p.pageInfo.hasNextPage) break;
      after = p.pageInfo.endCursor;
    }
    assert.deepEqual(seen, ['a-4', 'a-3b', 'a-3a', 'a-2', 'a-1', 'a-0']);
    const first = await page('ann', 1, null);
    assert.deepEqual(first.edges[0]!.node, { eventId: 'a-4', type: 'PURCHASE', occurredAt: at(3).replace('.000Z', '.000Z'), amount: 42, categories: [] });
  });

  it('gives back every value as sent, whatever characters it holds', async () => {
    // the batch travels as PostgreSQL array literals (src/db/array-literals.ts): quotes, backslashes, commas, braces,
    // the word NULL, newlines and non-ASCII text must come back unchanged, and amounts exactly
    const tricky = {
      eventId: 'q-1', userId: 'quinn', type: 'REVIEW' as const, occurredAt: at(10), itemId: 'sku-"7"\\x',
      categories: ['a,b', 'say "hi"', 'back\\slash', '{x}', 'null', '汉字 ok'],
      text: 'He said "great" \\ {not, a list}\nNULL\n好评', rating: 4,
      properties: { note: 'a "quoted" \\ value', list: ['{', '}', ','], nested: { n: 1.25 } },
    };
    await ingestEventsOk(server, [tricky, { eventId: 'q-2', userId: 'quinn', type: 'PURCHASE', occurredAt: at(11), amount: 0.1 }]);
    const r = await server.gql<{ user: { events: { edges: { node: Record<string, unknown> }[] } } }>(
      `query($id: ID!) { user(id: $id) { events(first: 5) { edges { node { eventId itemId categories text properties amount } } } } }`,
      { id: 'quinn' },
    );
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.deepEqual(r.data!.user.events.edges.map((e) => e.node), [
      { eventId: 'q-2', itemId: null, categories: [], text: null, properties: null, amount: 0.1 },
      { eventId: 'q-1', itemId: tricky.itemId, categories: tricky.categories, text: tricky.text, properties: tricky.properties, amount: null },
    ]);
  });

  it('answers every user of a list with their own events', async () => {
    const r = await server.gql<{ users: { edges: { node: { id: string; events: Page } }[] } }>(
      `{ users(first: 10) { edges { node { id events(first: 3) { edges { node { eventId } } pageInfo { hasNextPage } } } } } }`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    const byUser = Object.fromEntries(r.data!.users.edges.map((e) => [e.node.id, e.node.events]));
    assert.deepEqual(byUser.ann!.edges.map((e) => e.node.eventId), ['a-4', 'a-3b', 'a-3a']);
    assert.equal(byUser.ann!.pageInfo.hasNextPage, true);
    assert.deepEqual(byUser.ben!.edges.map((e) => e.node.eventId), ['b-2', 'b-1']);
    assert.equal(byUser.ben!.pageInfo.hasNextPage, false);
    assert.deepEqual(byUser.cal!.edges, [], 'an imported user with no events');
  });

  it('refuses a forged cursor, another kind of cursor and a page over 500 with BAD_USER_INPUT', async () => {
    const usersCursor = Buffer.from('u:ann', 'utf8').toString('base64url');
    const forged = Buffer.from('e:notanumber:a-1', 'utf8').toString('base64url');
    const nul = Buffer.from('e:1:a\u0000b', 'utf8').toString('base64url');
    for (const [first, after] of [[2, usersCursor], [2, forged], [2, nul], [2, 'not base64 at all'], [501, null], [-1, null]] as const) {
      const r = await server.gql(PAGE, { id: 'ann', first, after });
      assert.equal(r.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${first} ${after}: ${JSON.stringify(r.errors)}`);
    }
  });
});

// The interest state of a profile is bounded by the configured categories, whatever the events carry: a client cannot
// grow it (and with it the cost of every later event of the user) by sending new category names.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW, jobs: false });
});
after(() => server.close());

describe('interest state', () => {
  it('keeps only configured categories, however many others the events name', async () => {
    const configured = server.services.portrait.interestTags.categories;
    const events = Array.from({ length: 2_000 }, (_, i) => ({
      eventId: `e${i}`,
      userId: 'hoarder',
      type: 'PAGE_VIEW',
      occurredAt: new Date(NOW.getTime() - 86_400_000 + i * 1_000).toISOString(),
      // 19 names never seen before, and one configured category (in another case)
      categories: [...Array.from({ length: 19 }, (_, j) => `made-up-${i}-${j}`), configured[i % configured.length]!.toUpperCase()],
    }));
    for (let i = 0; i < events.length; i += 1_000) {
      const r = await server.gql<{ ingestEvents: { accepted: number } }>(
        `mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted rejected { code } } }`,
        { e: events.slice(i, i + 1_000) },
      );
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      assert.equal(r.data!.ingestEvents.accepted, 1_000);
    }
    const profile = await server.database.db.profile.findUniqueOrThrow({ where: { userId: 'hoarder' } });
    const state = profile.categoryWeights as { weights: Record<string, number>; counts: Record<string, number> };
    assert.deepEqual(Object.keys(state.weights).sort(), [...configured].sort());
    assert.deepEqual(Object.keys(state.counts).sort(), [...configured].sort());
    // every configured category was named 2,000 / 27 times (rounded either way)
    for (const c of configured) assert.ok(state.counts[c]! >= Math.floor(2_000 / configured.length), `${c}: ${state.counts[c]}`);
    const stored = await server.database.db.$queryRaw<{ bytes: number }[]>`SELECT pg_column_size(category_weights)::int AS bytes FROM profiles WHERE user_id = 'hoarder'`;
    assert.ok(stored[0]!.bytes < 4_096, `category_weights takes ${stored[0]!.bytes} bytes`);
  });
});

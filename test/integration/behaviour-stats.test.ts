// Night and weekend are decided by SQL over the stored events (src/modules/events/behaviour-stats.ts), in the
// configured local time: the rule that runs is the rule tested here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { loadBehaviourCounts } from '../../src/modules/events/behaviour-stats.ts';

const NOW = new Date('2026-01-05T00:00:00Z');
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW, jobs: false });
});
after(() => server.close());

async function flags(at: string, pattern: Record<string, number> = {}) {
  const userId = `u-${at}`;
  const r = await server.gql(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
    e: [{ eventId: `e-${at}`, userId, type: 'CLICK', occurredAt: at }],
  });
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  const bp = server.services.portrait.behaviourPreferences;
  const counts = await loadBehaviourCounts(server.database.db, [userId], NOW, { ...bp, interactionPattern: { ...bp.interactionPattern, ...pattern } });
  const row = counts.get(userId);
  assert.ok(row, `no counts for ${userId}`);
  return { night: row.night === 1, weekend: row.weekend === 1 };
}

describe('night and weekend (UTC+8 by default)', () => {
  it('night wraps midnight; weekend is in local time', async () => {
    // 2026-01-02 is a Friday; 15:00Z is 23:00 Friday in UTC+8, 16:30Z is 00:30 Saturday.
    assert.deepEqual(await flags('2026-01-02T15:00:00Z'), { night: true, weekend: false });
    assert.deepEqual(await flags('2026-01-02T16:30:00Z'), { night: true, weekend: true });
    assert.deepEqual(await flags('2026-01-02T22:00:00Z'), { night: false, weekend: true });
    assert.deepEqual(await flags('2026-01-02T13:59:59Z'), { night: false, weekend: false });
  });

  it('a night that does not wrap midnight, in UTC', async () => {
    assert.deepEqual(await flags('2026-01-02T01:00:00Z', { nightStartHour: 0, nightEndHour: 6, utcOffsetMinutes: 0 }), { night: true, weekend: false });
    assert.deepEqual(await flags('2026-01-02T06:00:00Z', { nightStartHour: 0, nightEndHour: 6, utcOffsetMinutes: 0 }), { night: false, weekend: false });
  });
});

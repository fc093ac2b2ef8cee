// How many statements one ingestEvents batch sends to PostgreSQL, with a model active (so live placement runs).
// A regression guard for the write path's shape: the profile rows are locked, updated and placed without being read
// back, so the count does not grow with the batch or with the number of users in it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startTestServer, type TestServer } from '../support/server.ts';

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
      assert.equal(transactions.length, 1, 'one transaction per batch');
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

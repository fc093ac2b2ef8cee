// A model activation moves every user at once; audiences testing `segment` or `lineage` follow in the activation's
// transaction (not an hour later), their entries and exits recorded and sent to the membership outbox.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { createRng } from '../../src/compute/random.ts';

const rng = createRng(4);
let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

async function retrain(k: number, seed: number, activate: boolean): Promise<string> {
  const { retrain: job } = await gqlOk<{ retrain: { id: string } }>(`mutation($k: Int!, $seed: Int!, $activate: Boolean!) { retrain(input: { k: $k, seed: $seed, activate: $activate }) { id } }`, { k, seed, activate });
  const done = await waitForJob(server.database.db, job.id);
  assert.equal(done.status, 'SUCCEEDED');
  return done.modelId!;
}

interface UserSegment {
  id: string;
  segment: { id: string; lineage: string } | null;
  audiences: { id: string }[];
}

async function users(): Promise<UserSegment[]> {
  const d = await gqlOk<{ users: { edges: { node: UserSegment }[] } }>(`{ users(first: 500) { edges { node { id segment { id lineage } audiences { id } } } } }`);
  return d.users.edges.map((e) => e.node);
}

before(async () => {
  server = await startTestServer();
  await importUsersOk(server, Array.from({ length: 240 }, (_, i) => ({
    userId: `u${String(i).padStart(3, '0')}`,
    sessionsCount: rng.int(60),
    totalSpent: rng.next() < 0.6 ? Math.round(rng.next() * 300_000) / 100 : 0,
    purchaseFrequency: rng.int(25),
    avgSessionDuration: rng.int(2_000),
  })));
});
after(() => server.close());

describe('audiences at activation', () => {
  it('re-evaluates segment and lineage audiences in the activation, recording every entry and exit', async () => {
    const first = await retrain(3, 1, true);
    const start = await users();
    const firstSegment = start[0]!.segment!;
    const { createAudience: bySegment } = await gqlOk<{ createAudience: { id: string; size: number } }>(
      `mutation($v: JSON!) { createAudience(input: { name: "in a segment", rule: { condition: { field: "segment", op: EQ, value: $v } } }) { id size } }`, { v: firstSegment.id });
    const { createAudience: byLineage } = await gqlOk<{ createAudience: { id: string; size: number } }>(
      `mutation($v: JSON!) { createAudience(input: { name: "in a lineage", rule: { not: { condition: { field: "lineage", op: NEQ, value: $v } } } }) { id size } }`, { v: firstSegment.lineage });
    const inFirst = start.filter((u) => u.segment?.id === firstSegment.id).length;
    assert.equal(bySegment.size, inFirst);
    assert.equal(byLineage.size, inFirst);

    // a candidate with other segments (and, with more of them, other lineages), activated on its own
    const second = await retrain(6, 2, false);
    const changesBefore = await server.database.db.membershipChange.count({ where: { targetId: { in: [bySegment.id, byLineage.id] } } });
    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: second });
    const moved = await users();
    assert.ok(moved.every((u) => u.segment && u.segment.id !== firstSegment.id), 'everyone is in the new model');
    for (const u of moved) {
      const member = new Set(u.audiences.map((a) => a.id));
      // no one is in the old model's segment any more; the lineage audience has whoever's new segment kept the lineage
      assert.equal(member.has(bySegment.id), false, u.id);
      assert.equal(member.has(byLineage.id), u.segment!.lineage === firstSegment.lineage, u.id);
    }
    const exits = await server.database.db.audienceMembershipChange.count({ where: { audienceId: bySegment.id, entered: false } });
    assert.equal(exits, inFirst, 'each member of the old segment left, recorded');
    const outbox = await server.database.db.membershipChange.count({ where: { targetId: { in: [bySegment.id, byLineage.id] } } });
    assert.ok(outbox - changesBefore >= inFirst, 'the changes reached the outbox');

    // and back: the old segment's members return to the segment audience in the same way
    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: first });
    const back = await users();
    const sizes = await gqlOk<{ audiences: { id: string; size: number }[] }>(`{ audiences { id size } }`);
    const size = new Map(sizes.audiences.map((a) => [a.id, a.size]));
    assert.equal(size.get(bySegment.id), back.filter((u) => u.segment?.id === firstSegment.id).length);
    assert.equal(size.get(byLineage.id), back.filter((u) => u.segment?.lineage === firstSegment.lineage).length);
    assert.equal(size.get(bySegment.id), inFirst);
  });
});

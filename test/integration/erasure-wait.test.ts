// deleteUser while a model save or activation holds erasures off (it places every user, which at a million users
// takes a while): the erasure waits for the commit as long as a request may (DATABASE_STATEMENT_TIMEOUT_MS), then
// says why it gave up, with nothing deleted, rather than answering a bare "the database did not answer in time".
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ingestEventsOk } from '../support/seed.ts';
import { holdOffErasures } from '../../src/db/erasure-lock.ts';
import { fromPool } from '../../src/db/sql.ts';

let server: TestServer;
before(async () => {
  // a request's bound of 1 s, so the erasure's wait ends within the test
  server = await startTestServer({ env: { DATABASE_STATEMENT_TIMEOUT_MS: '1000' }, jobs: false });
});
after(() => server.close());
beforeEach(async () => {
  await server.database.reset();
  await ingestEventsOk(server, [{ eventId: 'e1', userId: 'erased', type: 'CLICK', occurredAt: new Date(Date.now() - 60_000).toISOString() }]);
});

const DELETE = `mutation { deleteUser(id: "erased") }`;
const exists = async () => (await server.database.db.user.count({ where: { id: 'erased' } })) === 1;

/** Holds erasures off in a transaction of its own, as a save or an activation does, until `release` is called. */
async function bulkWriter(): Promise<{ release: () => Promise<void> }> {
  const client = await server.database.pool.connect();
  await client.query('BEGIN');
  await holdOffErasures(fromPool(client));
  return {
    async release() {
      await client.query('COMMIT');
      client.release();
    },
  };
}

describe('deleteUser while a model is saved or activated', () => {
  it('gives up after a request\'s wait with SERVICE_UNAVAILABLE saying why, and deletes nothing', async () => {
    const writer = await bulkWriter();
    try {
      const t0 = performance.now();
      const r = await server.gql<{ deleteUser: boolean }>(DELETE);
      const waited = performance.now() - t0;
      assert.equal(r.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(r.errors));
      assert.match(r.errors[0]!.message, /segmentation model is being saved or activated.*nothing was deleted: retry/);
      assert.ok(waited >= 900, `waited ${waited.toFixed(0)} ms for the writer`);
      assert.equal(await exists(), true, 'the user is still there');
    } finally {
      await writer.release();
    }
    const again = await server.gql<{ deleteUser: boolean }>(DELETE);
    assert.equal(again.errors, undefined, JSON.stringify(again.errors));
    assert.equal(again.data?.deleteUser, true);
    assert.equal(await exists(), false);
  });

  it('goes ahead once the writer commits within the wait', async () => {
    const writer = await bulkWriter();
    const deleting = server.gql<{ deleteUser: boolean }>(DELETE);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await exists(), true, 'waiting for the writer');
    await writer.release();
    const r = await deleting;
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    assert.equal(r.data?.deleteUser, true);
    assert.equal(await exists(), false);
  });
});

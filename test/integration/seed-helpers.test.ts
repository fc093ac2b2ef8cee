// The seed helpers must fail a test whose seed data the service did not take, naming the rows it refused.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ jobs: false });
});
after(() => server.close());
beforeEach(() => server.database.reset());

const at = new Date('2026-11-20T10:00:00Z').toISOString();

describe('seed helpers', () => {
  it('importUsersOk takes good rows and fails on a rejected one, naming its code', async () => {
    assert.deepEqual(await importUsersOk(server, [{ userId: 'a', age: 30 }, { userId: 'b' }]), { imported: 2, updated: 0 });
    assert.deepEqual(await importUsersOk(server, [{ userId: 'a', age: 31 }]), { imported: 0, updated: 1 });
    await assert.rejects(
      importUsersOk(server, [{ userId: 'c' }, { userId: 'd', age: -1 }]),
      (err: unknown) => err instanceof assert.AssertionError && /rejected seed rows/.test(err.message) && /INVALID_AGE/.test(err.message),
    );
  });

  it('importUsersOk fails when the call itself fails', async () => {
    const withoutKey = { gql: <T,>(query: string, variables?: Record<string, unknown>) => server.gql<T>(query, variables, { authorization: '' }) };
    await assert.rejects(importUsersOk(withoutKey, [{ userId: 'x' }]), /importUsers failed: .*UNAUTHENTICATED/);
    assert.equal(await server.database.db.user.count(), 0);
  });

  it('ingestEventsOk fails on a rejected event and on a duplicate', async () => {
    assert.equal(await ingestEventsOk(server, [{ eventId: 'e1', userId: 'u1', type: 'CLICK', occurredAt: at }]), 1);
    await assert.rejects(
      ingestEventsOk(server, [{ eventId: 'e2', userId: 'u1', type: 'PURCHASE', occurredAt: at }]),
      (err: unknown) => err instanceof assert.AssertionError && /rejected seed events/.test(err.message) && /MISSING_AMOUNT/.test(err.message),
    );
    await assert.rejects(
      ingestEventsOk(server, [{ eventId: 'e1', userId: 'u1', type: 'CLICK', occurredAt: at }]),
      (err: unknown) => err instanceof assert.AssertionError && /duplicates/.test(err.message),
    );
  });
});

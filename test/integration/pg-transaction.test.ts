// pgTransaction (src/db/sql.ts), the ingest's transaction on node-postgres, when its connection is lost while checked
// out: node-postgres then emits 'error' on the client, which kills the process unless someone listens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { pgTransaction } from '../../src/db/sql.ts';
import { withClient } from '../../src/db/with-client.ts';
import { unavailability } from '../../src/db/unavailable.ts';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.close());

describe('pgTransaction', () => {
  it('survives its connection being terminated between statements, reports it as unavailable, and discards it', async () => {
    const err = await pgTransaction(database.pool, async (client) => {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // (not events.once: it rejects on the 'error' that comes first)
      const ended = new Promise((resolve) => client.once('end', resolve));
      await withClient(database.url, (admin) => admin.query('SELECT pg_terminate_backend($1)', [pid]));
      await ended; // the connection is gone while this client is still checked out
      await client.query('SELECT 1');
    }).then(
      () => assert.fail('the transaction should have failed'),
      (e: unknown) => e,
    );
    assert.equal(unavailability(err), 'unreachable', String(err));
    // The pool replaced the broken connection: the next transaction works.
    const n = await pgTransaction(database.pool, async (client) => (await client.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n);
    assert.equal(n, 1);
  });
});

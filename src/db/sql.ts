// A minimal query interface for code that must run inside either kind of transaction: a node-postgres one (the ingest
// write path, src/modules/events/ingest-events.ts) or a Prisma one (imports, model activation, schedules). Raw SQL
// with $1.. parameters; rows come back as the driver types them (timestamptz -> Date, float8 and int4 -> number).
import type pg from 'pg';
import type { Db, Tx } from './client.ts';
import { unavailability } from './unavailable.ts';

export interface Sql {
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export function fromPool(client: pg.PoolClient): Sql {
  return {
    async query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await client.query(text, params as unknown[])).rows as T[];
    },
  };
}

export function fromPrisma(client: Db | Tx): Sql {
  return {
    query<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
      return client.$queryRawUnsafe<T[]>(text, ...params);
    },
  };
}

/**
 * Runs fn in a transaction on one pooled connection: BEGIN, fn, COMMIT; on any error ROLLBACK and rethrow (so
 * nothing is partial), and the connection always goes back to the pool, or is discarded when it is broken.
 * Statements are bounded by the pool's statement_timeout unless `statementTimeoutMs` sets this transaction's own.
 *
 * node-postgres emits 'error' on a checked-out client when the connection drops (the server stops, or the backend is
 * terminated); every connection of the service's pools listens from birth (client.ts), and this listener records the
 * failure. A connection that failed that way, or that did not answer in time, is not asked to ROLLBACK (it would wait
 * behind the unanswered statement); it is discarded, and the server rolls the transaction back when the session ends.
 */
export async function pgTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, statementTimeoutMs?: number): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => {
    broken ??= err;
  };
  client.on('error', onError);
  try {
    // One round trip: the simple-query protocol takes both statements at once.
    await client.query(statementTimeoutMs === undefined ? 'BEGIN' : `BEGIN; SET LOCAL statement_timeout = ${Math.max(0, Math.floor(statementTimeoutMs))}`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (!broken && unavailability(err) !== undefined) broken = err instanceof Error ? err : new Error(String(err));
    if (!broken) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
    }
    throw err;
  } finally {
    client.removeListener('error', onError);
    client.release(broken);
  }
}

// A minimal query interface for code that must run inside either kind of transaction: a node-postgres one (the ingest
// write path, src/modules/events/ingest-events.ts) or a Prisma one (imports, model activation, schedules). Raw SQL
// with $1.. parameters; rows come back as the driver types them (timestamptz -> Date, float8 and int4 -> number).
import type pg from 'pg';
import type { Db, Tx } from './client.ts';

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
 * nothing is partial), and the connection always goes back to the pool (or is discarded when ROLLBACK itself failed,
 * i.e. the connection is broken). `statementTimeoutMs` bounds each statement, as Prisma's transaction timeout did.
 */
export async function pgTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>, statementTimeoutMs = 60_000): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // One round trip: the simple-query protocol takes both statements at once.
    await client.query(`BEGIN; SET LOCAL statement_timeout = ${Math.max(0, Math.floor(statementTimeoutMs))}`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

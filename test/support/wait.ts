// Waiting in tests without timing anything: poll a condition until it holds, and hold a table lock so that a request
// is certainly in flight (waiting in PostgreSQL) while the test acts.
import pg from 'pg';

/** Polls `check` until it is true; fails naming `what` after `timeoutMs` (a bound on a hang, not a timed assertion). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface TableLock {
  /** the backends of this database waiting on a lock (only those running a statement that contains `statement`, if given) */
  waiting(statement?: string): Promise<number[]>;
  /** commits the locking transaction, letting the waiters through */
  commit(): Promise<void>;
  /** closes both sessions (a lock still held is released with them) */
  end(): Promise<void>;
}

/** Two sessions on a database: one holds an exclusive lock on `table`, one watches for sessions waiting on it. */
export async function lockTable(url: string, table: string): Promise<TableLock> {
  const locker = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  // the tests stop the server under these sessions: their errors are expected
  locker.on('error', () => {});
  watcher.on('error', () => {});
  await locker.connect();
  await watcher.connect();
  await locker.query('BEGIN');
  await locker.query(`LOCK TABLE ${pg.escapeIdentifier(table)} IN ACCESS EXCLUSIVE MODE`);
  return {
    async waiting(statement) {
      const r = await watcher.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND strpos(query, $1::text) > 0`,
        [statement ?? ''],
      );
      return r.rows.map((row) => row.pid);
    },
    async commit() {
      await locker.query('COMMIT');
    },
    async end() {
      await locker.end().catch(() => {});
      await watcher.end().catch(() => {});
    },
  };
}

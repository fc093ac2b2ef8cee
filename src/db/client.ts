// The Prisma client over node-postgres (adapter-pg): the generated client runs with no engine binary.
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { DATABASE_TIMEOUT_DEFAULTS, type DatabaseTimeouts } from '../config/env.ts';

export type Db = PrismaClient;
/** The client inside an interactive transaction. */
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** a client for long jobs, on its own small pool with the job statement bound (see forLongStatements) */
  jobDb: Db;
  close(): Promise<void>;
}

/**
 * The client gives up this long after the server's statement_timeout should have fired: normally the server cancels
 * (a clean error, the connection stays usable); this only fires when the server does not answer at all (frozen, or
 * the network is gone), and the connection is then discarded.
 */
const CLIENT_TIMEOUT_MARGIN_MS = 1_000;

/** Connections name themselves, so an operator (or a test) can tell Portrait's sessions apart in pg_stat_activity. */
export const APPLICATION_NAME = 'portrait';
const JOB_APPLICATION_NAME = 'portrait-jobs';

/**
 * The pool's connections. A connection can report an error (the server going away) at a moment nobody listens: while
 * the pool is still opening it, or after it was handed back broken and is being closed, and an 'error' without a
 * listener ends the process. Every connection therefore listens from birth; the failure still reaches whoever uses
 * it (its query fails; pgTransaction and the COPY readers add listeners of their own to know the connection broke).
 */
class ListeningClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => {});
  }
}

function createPool(url: string, max: number, statementTimeoutMs: number, connectTimeoutMs: number, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    Client: ListeningClient,
    connectionString: url,
    max,
    application_name: applicationName,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // An idle client that loses its connection (e.g. the server restarts) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

const jobClients = new WeakMap<Db, Db>();
const jobPools = new WeakMap<Db, pg.Pool>();

/**
 * The client to run long statements on (training writes, model activation): the same database with the job statement
 * bound instead of the request one. Looked up from the request client so code holding only `db` need not be re-plumbed;
 * a client made elsewhere (none registered) is its own answer.
 */
export function forLongStatements(db: Db): Db {
  return jobClients.get(db) ?? db;
}

/**
 * The node-postgres pool behind forLongStatements(db), for what Prisma cannot do: streaming a whole table out with
 * COPY (the training matrix, src/modules/segmentation/load-features.ts). Every Db is made by connect(), so one is
 * always registered.
 */
export function poolForLongStatements(db: Db): pg.Pool {
  const pool = jobPools.get(db);
  if (!pool) throw new Error('poolForLongStatements: this client was not made by connect()');
  return pool;
}

export function connect(url: string, poolSize: number, timeouts: DatabaseTimeouts = DATABASE_TIMEOUT_DEFAULTS): Database {
  const pool = createPool(url, poolSize, timeouts.statementTimeoutMs, timeouts.connectTimeoutMs, APPLICATION_NAME);
  // Long jobs run one at a time per process. A retrain reads the profiles on two connections side by side
  // (load-features.ts) while its text model samples the reviews on a third; between those bursts there is room for an
  // activation requested meanwhile.
  const jobPool = createPool(url, 3, timeouts.jobStatementTimeoutMs, timeouts.connectTimeoutMs, JOB_APPLICATION_NAME);
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  const jobDb = new PrismaClient({ adapter: new PrismaPg(jobPool) });
  jobClients.set(db, jobDb);
  jobPools.set(db, jobPool);
  jobPools.set(jobDb, jobPool);
  return {
    db,
    pool,
    jobDb,
    async close() {
      await Promise.all([db.$disconnect(), jobDb.$disconnect()]);
      await Promise.all([pool.end(), jobPool.end()]);
    },
  };
}

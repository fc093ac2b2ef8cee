// Reads the training matrix from PostgreSQL by streamed COPY (from 100,000 profiles two, each half of the users by id,
// side by side on two job connections): the database computes every feature (feature-sql.ts, the same definitions as
// writeFeatures) and sends binary rows, which are parsed straight into one Float64Array. Memory holds the matrix (8
// bytes per value), the description columns, the user ids and a network chunk per COPY — no per-row objects, no text
// numbers. Each half is read in a snapshot of its own: a user added or erased meanwhile is in the matrix as its half's
// snapshot saw it, as a training always left out users who arrived after its read.
import type pg from 'pg';
import { poolForLongStatements, type Db } from '../../db/client.ts';
import { copyOutBinary } from '../../db/copy-binary.ts';
import { sqlLiteral } from '../../db/sql-literal.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { matrix, type Matrix } from '../../compute/matrix.ts';
import { usesRfm, type FeatureName } from './features.ts';
import { featureValueSql } from './feature-sql.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import type { EmbeddingProjection } from './embedding-features.ts';
import { erasureMark } from '../../db/erasure-lock.ts';

interface FeatureMatrix {
  userIds: string[];
  /** the features asked for, a row per user */
  matrix: Matrix;
  /** each of the extra columns asked for (`columns`), a value per user, in the rows' order (the caller's to clear) */
  columns: Map<FeatureName, Float64Array>;
  /** the users' gender, for segment descriptions (not a numeric feature) */
  genders: (string | null)[];
  /** the rows (indices into userIds) of users who wrote a review: the only ones the segments' text summaries read */
  reviewers: Int32Array;
  /** profiles left out because a feature is infinite or beyond MAX_FEATURE_MAGNITUDE (see usableRow) */
  skipped: number;
  /** with `markErasures`: the count of erasures before the read (src/db/erasure-lock.ts erasureMark), else null */
  erasureMark: string | null;
}

/**
 * No valid input gives a feature this large (input bounds: src/config/input-bounds.ts), and squares of values below it
 * summed over 1e8 rows stay finite, so the scaler's variance cannot overflow. A row beyond it (stored before the bounds
 * existed, or by a bug) is skipped and counted: one poisoned profile must not fail every training.
 */
const MAX_FEATURE_MAGNITUDE = 1e15;

/** NaN is a missing value (imputed by the pipeline); an infinite or enormous one is a bad row. */
function usableRow(data: Float64Array, offset: number, d: number): boolean {
  for (let j = offset; j < offset + d; j++) {
    const v = data[j]!;
    if (Math.abs(v) > MAX_FEATURE_MAGNITUDE) return false;
  }
  return true;
}

/** The model's warning for skipped rows. */
export const skippedRowsWarning = (skipped: number): string =>
  `${skipped} profile(s) left out of training: a feature was infinite or beyond ${MAX_FEATURE_MAGNITUDE}`;

/** Progress is reported every this many rows. */
const PROGRESS_ROWS = 50_000;
/** Leading columns of every row: user id, gender, has reviews. */
const LEAD = 3;

/** What a stored or training model needs to have its features computed in SQL. */
export interface ModelFeatures {
  readonly features: readonly FeatureName[];
  /** the population RFM cut points the model scores with (when it uses RFM features) */
  readonly rfmCuts: RfmCutPoints | null;
  /** the reduced mean-embedding projection (when it uses embedding dimensions) */
  readonly embedding: EmbeddingProjection | null;
}

/**
 * A model's features as float8 expressions over `p` (profiles) and `u` (users), and the one-row source of the
 * population statistics its RFM scores read (aliased `ps`, as population-stats-sql.ts expects), to cross join. Every
 * value goes in as a literal (numbers as their exact shortest decimals): COPY takes no parameters, and the same text
 * serves a parameterised statement. Callers reading several models in one statement give each its own `ps`.
 */
export function featureColumnsSql(model: ModelFeatures, now: Date, config: PortraitConfig, ps = 'ps'): { columns: string[]; stats: string } {
  if (usesRfm(model.features) && !model.rfmCuts) throw new Error('RFM features need the population cut points');
  const ctx = { p: 'p', now: sqlLiteral(now, 'timestamptz'), param: sqlLiteral, config };
  const cuts = model.rfmCuts ? `${sqlLiteral(JSON.stringify(model.rfmCuts), 'text')}::jsonb` : 'NULL::jsonb';
  return {
    columns: model.features.map((f) => `(${featureValueSql(f, ctx, ps, model.embedding)})::float8`),
    stats: `(SELECT 'current'::text AS id, ${cuts} AS rfm_cuts) ${ps}`,
  };
}

/** The COPY statement: one row per profile in user id order (those with an id in [from, to) when bounded). */
function copyStatement(model: ModelFeatures, now: Date, config: PortraitConfig, from: string | null = null, to: string | null = null): string {
  const { columns, stats } = featureColumnsSql(model, now, config);
  const bounds = [from === null ? null : `p.user_id >= ${sqlLiteral(from, 'text')}`, to === null ? null : `p.user_id < ${sqlLiteral(to, 'text')}`];
  const where = bounds.filter((b) => b !== null);
  return `COPY (
    SELECT p.user_id, u.gender, (CASE WHEN p.text_reviews > 0 THEN 1 ELSE 0 END)::float8, ${columns.join(', ')}
    FROM profiles p JOIN users u ON u.id = p.user_id
    CROSS JOIN ${stats}${where.length ? `\n    WHERE ${where.join(' AND ')}` : ''}
    ORDER BY p.user_id
  ) TO STDOUT WITH (FORMAT binary)`;
}

/**
 * From this many profiles the read is split in two halves by user id, each a COPY on its own connection, side by side:
 * computing the features is most of the read's time, and two backends do it on two cores while this process parses.
 */
const SPLIT_FROM_ROWS = 100_000;

interface LoadOptions {
  /** features also wanted apart, each as its own array (a training's segment descriptions read them) */
  columns?: readonly FeatureName[];
  /** the read is split in two from this many profiles (tests lower it) */
  splitFromRows?: number;
  /** take the erasures' mark before the read (erasureMark), for a save that later asks whether any came since */
  markErasures?: boolean;
}

/** A pool's connection for one COPY, released when `fn` ends: discarded when it broke or the COPY failed half-way. */
async function withCopyClient<T>(client: pg.PoolClient, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let failure: Error | undefined;
  // A connection that breaks while checked out (the server restarting) emits 'error' on the client (which listens from
  // birth, client.ts): recorded here; the read then fails on its own (the stream errors), and the client is discarded.
  const onError = (err: Error) => {
    failure ??= err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // a COPY that failed half-way leaves the connection in an unknown state: it is discarded
    client.off('error', onError);
    client.release(failure);
  }
}

/** A connection of `pool` if one can be had without waiting (idle, or room for a new one), else null. */
function connectIfFree(pool: pg.Pool): Promise<pg.PoolClient> | null {
  const free = pool.waitingCount === 0 && (pool.idleCount > 0 || pool.totalCount < (pool.options.max ?? 10));
  return free ? pool.connect() : null;
}

/**
 * Every profile (ordered by user id) as a row of the given features. `onProgress` gets the fraction read. With
 * `columns`, features also wanted apart, each as its own array: one read computes every feature once, and neither the
 * matrix nor the columns are copied out of a wider matrix afterwards.
 */
export async function loadFeatureMatrix(
  db: Db,
  features: readonly FeatureName[],
  now: Date,
  config: PortraitConfig,
  onProgress?: (fraction: number) => void,
  rfmCuts: RfmCutPoints | null = null,
  embedding: EmbeddingProjection | null = null,
  options: LoadOptions = {},
): Promise<FeatureMatrix> {
  const columns = options.columns ?? [];
  // every feature read, each once: the matrix's, then the columns' not among them
  const read = [...new Set<FeatureName>([...features, ...columns])];
  if (usesRfm(read) && !rfmCuts) throw new Error('RFM features need the population cut points');
  const pool = poolForLongStatements(db);
  return withCopyClient(await pool.connect(), async (client) => {
    // before every snapshot of the read (the count's and the COPYs')
    const erasures = options.markErasures ? await erasureMark(client) : null;
    // the count sizes the arrays; the first user id of the second half (in the same snapshot) splits the read
    const splitFrom = options.splitFromRows ?? SPLIT_FROM_ROWS;
    const [{ n: total, split }] = (
      await client.query<{ n: number; split: string | null }>(
        `SELECT c.n, CASE WHEN c.n >= $1::float8 THEN (SELECT user_id FROM profiles ORDER BY user_id OFFSET c.n / 2 LIMIT 1) END AS split
         FROM (SELECT count(*)::int AS n FROM profiles) c`,
        [splitFrom],
      )
    ).rows as [{ n: number; split: string | null }];
    const d = features.length;
    const width = read.length;
    const data = new Float64Array(total * d);
    const apart = new Map(columns.map((f) => [f, new Float64Array(total)]));
    // where each value read goes: its place in a matrix row (or -1) and its column (or undefined)
    const toMatrix = Int32Array.from(read, (f) => features.indexOf(f));
    const toColumn = read.map((f) => apart.get(f));
    // the few distinct genders, one string each rather than one per row
    const genderNames = new Map<string, string>();
    let seen = 0;
    /** Reads the profiles with ids in [from, to) into rows first.. (at most `room` of them): its ids, genders, reviewers. */
    const readPart = (on: pg.PoolClient, from: string | null, to: string | null, first: number, room: number) => {
      const part = { first, rows: 0, skipped: 0, userIds: [] as string[], genders: [] as (string | null)[], reviewers: [] as number[] };
      const values = new Float64Array(width);
      let taken = 0;
      const done = copyOutBinary(on, copyStatement({ features: read, rfmCuts, embedding }, now, config, from, to), LEAD + width, (row) => {
        // Profiles created after the count was taken are left for the next training (assignment places them).
        if (taken === room) return;
        taken++;
        if (++seen % PROGRESS_ROWS === 0) onProgress?.(seen / total);
        for (let j = 0; j < width; j++) values[j] = row.float8(LEAD + j);
        if (!usableRow(values, 0, width)) {
          part.skipped++;
          return;
        }
        const i = first + part.rows;
        for (let j = 0; j < width; j++) {
          if (toMatrix[j]! >= 0) data[i * d + toMatrix[j]!] = values[j]!;
          const column = toColumn[j];
          if (column) column[i] = values[j]!;
        }
        part.userIds.push(row.text(0)!);
        const gender = row.text(1);
        part.genders.push(gender === null ? null : genderNames.get(gender) ?? (genderNames.set(gender, gender), gender));
        if (row.float8(2) > 0) part.reviewers.push(part.rows);
        part.rows++;
      });
      return done.then(() => part);
    };
    type Part = Awaited<ReturnType<typeof readPart>>;
    let parts: Part[];
    if (split === null) parts = [await readPart(client, null, null, 0, total)];
    else {
      const half = Math.floor(total / 2);
      const other = connectIfFree(pool);
      const first = readPart(client, null, split, 0, half);
      // The second half on a second connection when one is free right away, else after the first on this one: waiting
      // for a connection could wait on whoever holds the job pool's others (the text model's sample) for long.
      const second = other
        ? other.then((c) => withCopyClient(c, (on) => readPart(on, split, null, half, total - half)))
        : first.then(() => readPart(client, split, null, half, total - half));
      // both settle before this returns or throws: no read goes on writing into the arrays behind the caller's back
      parts = (await Promise.allSettled([first, second])).map((r) => {
        if (r.status === 'rejected') throw r.reason;
        return r.value;
      });
    }
    onProgress?.(1);
    // the parts' rows one after the other (a part short of its room, by skipped or deleted profiles, moves the next up)
    const [{ userIds, genders, reviewers }] = parts as [Part];
    let n = parts[0]!.rows;
    for (const part of parts.slice(1)) {
      if (part.first !== n) {
        data.copyWithin(n * d, part.first * d, (part.first + part.rows) * d);
        for (const c of apart.values()) c.copyWithin(n, part.first, part.first + part.rows);
      }
      for (let r = 0; r < part.rows; r++) {
        userIds.push(part.userIds[r]!);
        genders.push(part.genders[r]!);
      }
      for (const r of part.reviewers) reviewers.push(n + r);
      n += part.rows;
    }
    const m = matrix(n, d, n === total ? data : data.slice(0, n * d));
    const cut = new Map([...apart].map(([f, c]) => [f, n === total ? c : c.slice(0, n)]));
    const skipped = parts.reduce((sum, p) => sum + p.skipped, 0);
    return { userIds, genders, reviewers: Int32Array.from(reviewers), skipped, matrix: m, columns: cut, erasureMark: erasures };
  });
}

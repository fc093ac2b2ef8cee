// Reads the training matrix from PostgreSQL in one streamed COPY: the database computes every feature (feature-sql.ts,
// the same definitions as writeFeatures) and sends binary rows, which are parsed straight into one Float64Array. Memory
// holds the matrix (8 bytes per value), the user ids and one network chunk — no per-row objects, no text numbers.
import { poolForLongStatements, type Db } from '../../db/client.ts';
import { copyOutBinary } from '../../db/copy-binary.ts';
import { sqlLiteral } from '../../db/sql-literal.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { matrix, type Matrix } from '../../compute/matrix.ts';
import { usesRfm, type FeatureName } from './features.ts';
import { featureValueSql } from './feature-sql.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import type { EmbeddingProjection } from './embedding-features.ts';

interface FeatureMatrix {
  userIds: string[];
  /** the features asked for, a row per user */
  matrix: Matrix;
  /** each of the extra columns asked for (`columns`), a value per user, in the rows' order */
  columns: ReadonlyMap<FeatureName, Float64Array>;
  /** the users' gender, for segment descriptions (not a numeric feature) */
  genders: (string | null)[];
  /** the rows (indices into userIds) of users who wrote a review: the only ones the segments' text summaries read */
  reviewers: Int32Array;
  /** profiles left out because a feature is infinite or beyond MAX_FEATURE_MAGNITUDE (see usableRow) */
  skipped: number;
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

/** The COPY statement: one row per profile in user id order. */
function copyStatement(model: ModelFeatures, now: Date, config: PortraitConfig): string {
  const { columns, stats } = featureColumnsSql(model, now, config);
  return `COPY (
    SELECT p.user_id, u.gender, (CASE WHEN p.text_reviews > 0 THEN 1 ELSE 0 END)::float8, ${columns.join(', ')}
    FROM profiles p JOIN users u ON u.id = p.user_id
    CROSS JOIN ${stats}
    ORDER BY p.user_id
  ) TO STDOUT WITH (FORMAT binary)`;
}

/**
 * Every profile (ordered by user id) as a row of the given features. `onProgress` gets the fraction read. `columns`:
 * features also wanted apart, each as its own array (a training's segment descriptions read them): one read computes
 * every feature once, and neither the matrix nor the columns are copied out of a wider matrix afterwards.
 */
export async function loadFeatureMatrix(
  db: Db,
  features: readonly FeatureName[],
  now: Date,
  config: PortraitConfig,
  onProgress?: (fraction: number) => void,
  rfmCuts: RfmCutPoints | null = null,
  embedding: EmbeddingProjection | null = null,
  columns: readonly FeatureName[] = [],
): Promise<FeatureMatrix> {
  // every feature read, each once: the matrix's, then the columns' not among them
  const read = [...new Set<FeatureName>([...features, ...columns])];
  if (usesRfm(read) && !rfmCuts) throw new Error('RFM features need the population cut points');
  const client = await poolForLongStatements(db).connect();
  let failure: Error | undefined;
  // A connection that breaks while checked out (the server restarting) emits 'error' on the client: without a listener
  // that ends the process. The read then fails on its own (the stream errors), and the client is discarded below.
  const onError = (err: Error) => {
    failure ??= err;
  };
  client.on('error', onError);
  try {
    const [{ n: total }] = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM profiles')).rows as [{ n: number }];
    const d = features.length;
    const width = read.length;
    const data = new Float64Array(total * d);
    const apart = new Map(columns.map((f) => [f, new Float64Array(total)]));
    // where each value read goes: its place in a matrix row (or -1) and its column (or undefined)
    const toMatrix = Int32Array.from(read, (f) => features.indexOf(f));
    const toColumn = read.map((f) => apart.get(f));
    const values = new Float64Array(width);
    const userIds: string[] = [];
    const genders: (string | null)[] = [];
    // the few distinct genders, one string each rather than one per row
    const genderNames = new Map<string, string>();
    const reviewers: number[] = [];
    let skipped = 0;
    let seen = 0;
    await copyOutBinary(client, copyStatement({ features: read, rfmCuts, embedding }, now, config), LEAD + width, (row) => {
      // Profiles created after the count was taken are left for the next training (assignment places them).
      if (seen === total) return;
      seen++;
      const n = userIds.length;
      for (let j = 0; j < width; j++) values[j] = row.float8(LEAD + j);
      if (seen % PROGRESS_ROWS === 0) onProgress?.(seen / total);
      if (!usableRow(values, 0, width)) {
        skipped++;
        return;
      }
      for (let j = 0; j < width; j++) {
        if (toMatrix[j]! >= 0) data[n * d + toMatrix[j]!] = values[j]!;
        const column = toColumn[j];
        if (column) column[n] = values[j]!;
      }
      userIds.push(row.text(0)!);
      const gender = row.text(1);
      genders.push(gender === null ? null : genderNames.get(gender) ?? (genderNames.set(gender, gender), gender));
      if (row.float8(2) > 0) reviewers.push(n);
    });
    onProgress?.(1);
    const n = userIds.length;
    const m = matrix(n, d, n === total ? data : data.slice(0, n * d));
    const cut = new Map([...apart].map(([f, c]) => [f, n === total ? c : c.slice(0, n)]));
    return { userIds, genders, reviewers: Int32Array.from(reviewers), skipped, matrix: m, columns: cut };
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // a COPY that failed half-way leaves the connection in an unknown state: it is discarded, keeping the listener for
    // what the closing connection may still report (as pgTransaction does)
    if (!failure) client.off('error', onError);
    client.release(failure);
  }
}

// Histograms of numeric features over every profiled user, counted in PostgreSQL: one scan computes every requested
// feature with the SQL training and the audiences use (segmentation/feature-sql.ts: each feature as the API computes
// it, embedding dimensions in the active model's projection), one aggregate finds each feature's range, and
// width_bucket counts the users per equal-width bucket. No profile row reaches this process; the answer is
// (features x buckets) numbers.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { badInput } from '../../errors.ts';
import { FIELD_SOURCE } from '../audiences/fields.ts';
import { Params } from '../profiles/profile-features-sql.ts';
import { resolveFeatures } from '../segmentation/features.ts';
import { isEmbeddingFeature } from '../segmentation/embedding-features.ts';
import { featureValueSql } from '../segmentation/feature-sql.ts';
import { readEmbeddingProjection } from '../segmentation/model-row.ts';
import { findActiveModel } from '../segmentation/model-store.ts';

export const MAX_HISTOGRAM_FEATURES = 50;
export const MAX_BUCKETS = 100;

export interface FeatureHistogram {
  feature: string;
  users: number;
  missing: number;
  min: number | null;
  max: number | null;
  buckets: { from: number; to: number; users: number }[];
}

type Row = { i: number; total: number; n: number; lo: number | null; hi: number | null; bucket: number | null; users: number | null };

export async function featureHistograms(
  db: Db,
  config: PortraitConfig,
  now: Date,
  args: { features?: readonly string[] | null; buckets?: number | null },
): Promise<FeatureHistogram[]> {
  const buckets = args.buckets ?? 20;
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) throw badInput('buckets', `must be an integer from 1 to ${MAX_BUCKETS}`);
  if (args.features && args.features.length > MAX_HISTOGRAM_FEATURES) throw badInput('features', `at most ${MAX_HISTOGRAM_FEATURES} features`);
  const active = await findActiveModel(db);
  const features = args.features ? resolveFeatures(args.features, 'features') : resolveFeatures(active?.features ?? null, 'activeModel.features');
  // the reduced review-embedding dimensions exist in the active model's projection only
  const embedding = active ? readEmbeddingProjection(active) : null;
  const unprojected = features.find((f) => isEmbeddingFeature(f) && !embedding);
  if (unprojected) throw badInput('features', `${unprojected} is a dimension of the active model's review embeddings, and the active model has none: train one with it first`);

  const params = new Params([now, buckets]);
  const ctx = { p: 'p', now: '$1::timestamptz', param: params.add, config };
  const raw = features.map((f, i) => `(${featureValueSql(f, ctx, 'ps', embedding)})::float8 AS r${i}`);
  // one column per feature, picked by the feature's position below; a value that is not finite (none should be) counts as missing: width_bucket needs finite bounds
  const finite = features.map((_, i) => `CASE WHEN abs(r${i}) < 'Infinity'::float8 THEN r${i} END AS f${i}`);
  const ranges = features.map((_, i) => `min(f${i}) AS lo${i}, max(f${i}) AS hi${i}, count(f${i})::int AS n${i}`);
  const arms = features.map((_, i) => `(${i}, v.f${i}, r.lo${i}, r.hi${i})`);
  // `clock` names $1's type for statements whose features do not read the time (an unused CTE is still analysed)
  const sql = `
    WITH clock AS (SELECT $1::timestamptz AS now),
    v AS MATERIALIZED (SELECT ${finite.join(', ')} FROM (SELECT ${raw.join(', ')} FROM ${FIELD_SOURCE}) raw),
    r AS (SELECT count(*)::int AS total, ${ranges.join(', ')} FROM v),
    c AS (
      SELECT k.i, CASE WHEN k.hi > k.lo THEN least(width_bucket(k.x, k.lo, k.hi, $2::int), $2::int) ELSE 1 END AS bucket, count(*)::int AS users
      FROM v CROSS JOIN r CROSS JOIN LATERAL (VALUES ${arms.join(', ')}) AS k(i, x, lo, hi)
      WHERE k.x IS NOT NULL
      GROUP BY 1, 2)
    SELECT f.i, r.total,
      ${['n', 'lo', 'hi'].map((col) => `(ARRAY[${features.map((_, i) => `r.${col}${i}::float8`).join(', ')}])[f.i + 1] AS ${col}`).join(', ')},
      c.bucket, c.users
    FROM r CROSS JOIN generate_series(0, ${features.length - 1}) AS f(i)
    LEFT JOIN c ON c.i = f.i
    ORDER BY f.i, c.bucket`;
  const rows = await fromPrisma(db).query<Row>(sql, params.values);
  return features.map((feature, i) => {
    const mine = rows.filter((row) => row.i === i);
    const first = mine[0];
    const total = first?.total ?? 0;
    const users = Number(first?.n ?? 0);
    const lo = first?.lo ?? null;
    const hi = first?.hi ?? null;
    const counts = new Map(mine.filter((row) => row.bucket !== null).map((row) => [row.bucket!, row.users ?? 0]));
    const edges = lo === null || hi === null ? [] : hi > lo ? Array.from({ length: buckets }, (_, b) => b) : [0];
    const width = lo !== null && hi !== null && hi > lo ? (hi - lo) / buckets : 0;
    return {
      feature,
      users,
      missing: total - users,
      min: lo,
      max: hi,
      buckets: edges.map((b) => ({
        from: lo! + b * width,
        to: width > 0 ? (b === buckets - 1 ? hi! : lo! + (b + 1) * width) : hi!,
        users: counts.get(b + 1) ?? 0,
      })),
    };
  });
}

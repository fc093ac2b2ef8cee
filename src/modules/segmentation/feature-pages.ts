// Reads models' feature matrices for a page of profiles in one statement that runs inside any transaction: the
// features are computed in SQL (the expressions training reads by COPY, load-features.ts featureColumnsSql) and come
// back packed, every value as the 8 big-endian bytes of its float8 (float8send), in one bytea per page, with the
// page's user ids as one text[]. So a page is one row: no object per profile, no text numbers to parse.
//
// Why not the COPY of training: bulk placement runs inside the caller's transaction (a model's save or activation is
// a Prisma interactive transaction, whose connection cannot run COPY), and it must see that transaction's own writes
// (the training users it has just placed). A page of PAGE rows keeps memory to a few megabytes whatever the
// population.
import type { Sql } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { matrix, type Matrix } from '../../compute/matrix.ts';
import { featureColumnsSql, type ModelFeatures } from './load-features.ts';
import { seededOrderSql } from '../profiles/profile-statistics.ts';

/** Which profiles a page holds; every page is in user id order. */
export type FeatureSelection =
  /**
   * the next `limit` profiles after user id `after` (keyset); `exceptTrained`: only users without a row in the
   * transaction's staged training labels (training-members.ts), those a retrain's training did not see
   */
  | { readonly after: string; readonly limit: number; readonly exceptTrained?: boolean }
  /** these users' profiles (absent ones are left out) */
  | { readonly userIds: readonly string[] }
  /** a seeded sample of `limit` profiles: the first by md5(user id, seed), as profile-statistics.ts samples */
  | { readonly sampleSeed: number; readonly limit: number };

export interface FeaturePage {
  /** in user id order */
  readonly userIds: string[];
  /** per model (in the order given), its raw features of those users; NaN = missing, as writeFeatures writes */
  readonly raw: Matrix[];
}

interface PageRow {
  userIds: string[] | null;
  data: Uint8Array | null;
}

function selectionSql(selection: FeatureSelection): { sql: string; params: unknown[] } {
  if ('userIds' in selection) return { sql: 'WHERE q.user_id = ANY($1::text[])', params: [selection.userIds] };
  if ('sampleSeed' in selection)
    return { sql: `ORDER BY ${seededOrderSql('q.user_id', '$1::text')} LIMIT $2::int`, params: [String(selection.sampleSeed), selection.limit] };
  const params: unknown[] = [selection.after, selection.limit];
  const filter = selection.exceptTrained ? ' AND NOT EXISTS (SELECT 1 FROM training_labels t WHERE t.user_id = q.user_id)' : '';
  return { sql: `WHERE q.user_id > $1::text${filter} ORDER BY q.user_id LIMIT $2::int`, params };
}

/** The page statement for these models; the selection's parameters are $1.. (see selectionSql). */
function pageStatement(models: readonly ModelFeatures[], now: Date, config: PortraitConfig, selection: FeatureSelection): { text: string; params: unknown[] } {
  const parts = models.map((m, i) => featureColumnsSql(m, now, config, `ps${i}`));
  // NULL (a missing value) travels as NaN, which the pipeline imputes like the COPY read's NULL
  const packed = parts.flatMap((p) => p.columns).map((c) => `float8send(COALESCE(${c}, 'NaN'::float8))`);
  const { sql, params } = selectionSql(selection);
  return {
    text: `SELECT array_agg(p.user_id ORDER BY p.user_id) AS "userIds",
                  string_agg(${packed.length ? packed.join(' || ') : "''::bytea"}, ''::bytea ORDER BY p.user_id) AS data
           FROM (SELECT q.* FROM profiles q ${sql}) p
           JOIN users u ON u.id = p.user_id
           ${parts.map((p) => `CROSS JOIN ${p.stats}`).join(' ')}`,
    params,
  };
}

/** One page of the models' features (see FeatureSelection), read in one statement through `sql`. */
export async function readFeaturePage(
  sql: Sql,
  models: readonly ModelFeatures[],
  now: Date,
  config: PortraitConfig,
  selection: FeatureSelection,
): Promise<FeaturePage> {
  const { text, params } = pageStatement(models, now, config, selection);
  const [row] = await sql.query<PageRow>(text, params);
  const userIds = row?.userIds ?? [];
  const n = userIds.length;
  const widths = models.map((m) => m.features.length);
  const rowWidth = widths.reduce((a, b) => a + b, 0);
  const data = row?.data ?? new Uint8Array(0);
  if (data.byteLength !== n * rowWidth * 8)
    throw new Error(`feature page: ${data.byteLength} bytes for ${n} rows of ${rowWidth} features`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const raw = widths.map((d) => matrix(n, d));
  for (let i = 0, at = 0; i < n; i++) {
    for (let m = 0; m < raw.length; m++) {
      const d = widths[m]!;
      const out = raw[m]!.data;
      for (let j = 0; j < d; j++, at += 8) out[i * d + j] = view.getFloat64(at, false);
    }
  }
  return { userIds, raw };
}

// Reads the training matrix from PostgreSQL in keyset pages, so memory holds the matrix (8 bytes per value), the
// user ids, and one page of rows at a time — never the whole table as objects.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { matrix, type Matrix } from '../../compute/matrix.ts';
import { countProfiles, scanWithDemographics } from '../profiles/profile-store.ts';
import { writeFeatures, type FeatureName } from './features.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import type { EmbeddingProjection } from './embedding-features.ts';

interface FeatureMatrix {
  userIds: string[];
  matrix: Matrix;
  /** the users' gender, for segment descriptions (not a numeric feature) */
  genders: (string | null)[];
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

const PAGE = 20_000;

/** Every profile (ordered by user id) as a row of the given features. `onProgress` gets the fraction read. */
export async function loadFeatureMatrix(
  db: Db,
  features: readonly FeatureName[],
  now: Date,
  config: PortraitConfig,
  onProgress?: (fraction: number) => void,
  rfmCuts: RfmCutPoints | null = null,
  embedding: EmbeddingProjection | null = null,
): Promise<FeatureMatrix> {
  const sql = fromPrisma(db);
  const total = await countProfiles(sql);
  const d = features.length;
  const data = new Float64Array(total * d);
  const userIds: string[] = [];
  const genders: (string | null)[] = [];
  let skipped = 0;
  for await (const page of scanWithDemographics(sql, PAGE)) {
    for (const row of page) {
      // Profiles created after the count was taken are left for the next training.
      if (userIds.length + skipped === total) break;
      writeFeatures(row, features, now, config, data, userIds.length * d, rfmCuts, embedding);
      // a skipped row's values are overwritten by the next row's
      if (!usableRow(data, userIds.length * d, d)) {
        skipped++;
        continue;
      }
      userIds.push(row.profile.userId);
      genders.push(row.gender);
    }
    onProgress?.(total ? (userIds.length + skipped) / total : 1);
    if (userIds.length + skipped === total) break;
  }
  return { userIds, genders, skipped, matrix: matrix(userIds.length, d, userIds.length === total ? data : data.slice(0, userIds.length * d)) };
}

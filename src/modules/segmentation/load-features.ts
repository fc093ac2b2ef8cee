// Reads the training matrix from PostgreSQL in keyset pages, so memory holds the matrix (8 bytes per value), the
// user ids, and one page of rows at a time — never the whole table as objects.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { matrix, type Matrix } from '../../compute/matrix.ts';
import { countProfiles, scanWithDemographics } from '../profiles/profile-store.ts';
import { writeFeatures, type FeatureName } from './features.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';

export interface FeatureMatrix {
  userIds: string[];
  matrix: Matrix;
  /** the users' gender, for segment descriptions (not a numeric feature) */
  genders: (string | null)[];
}

const PAGE = 20_000;

/** Every profile (ordered by user id) as a row of the given features. `onProgress` gets the fraction read. */
export async function loadFeatureMatrix(
  db: Db,
  features: readonly FeatureName[],
  now: Date,
  config: PortraitConfig,
  onProgress?: (fraction: number) => void,
  rfmCuts: RfmCutPoints | null = null,
): Promise<FeatureMatrix> {
  const sql = fromPrisma(db);
  const total = await countProfiles(sql);
  const d = features.length;
  const data = new Float64Array(total * d);
  const userIds: string[] = [];
  const genders: (string | null)[] = [];
  for await (const page of scanWithDemographics(sql, PAGE)) {
    for (const row of page) {
      // Profiles created after the count was taken are left for the next training.
      if (userIds.length === total) break;
      writeFeatures(row, features, now, config, data, userIds.length * d, rfmCuts);
      userIds.push(row.profile.userId);
      genders.push(row.gender);
    }
    onProgress?.(total ? userIds.length / total : 1);
    if (userIds.length === total) break;
  }
  return { userIds, genders, matrix: matrix(userIds.length, d, userIds.length === total ? data : data.slice(0, userIds.length * d)) };
}

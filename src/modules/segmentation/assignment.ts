// Keeps every user's segment in the active model current: live (inside the transaction that changed the profiles)
// and in bulk (when a model is activated).
//
// Raw SQL over `Sql` (src/db/sql.ts) rather than Prisma's query builder: the live hook runs inside ingestEvents'
// node-postgres transaction as well as inside Prisma transactions (imports, model activation), so it takes the one
// interface both can offer.
import type { Sql } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { ProfileNumbers } from '../profiles/profile-view.ts';
import { matrix } from '../../compute/matrix.ts';
import { predictRows, type FittedPipeline } from '../../compute/pipeline.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import { isFeatureName, writeFeatures, type FeatureName } from './features.ts';
import { readPipeline, readRfmCuts } from './model-row.ts';

/** A stored model parsed for placing users: its fitted pipeline, what its features need, its segment ids. */
export interface ActiveModel {
  id: string;
  pipeline: FittedPipeline;
  features: FeatureName[];
  /** the population RFM cut points the model was trained with (when it uses RFM features) */
  rfmCuts: RfmCutPoints | null;
  /** segment ids by index */
  segmentIds: string[];
}

interface ModelRow {
  id: string;
  algorithm: string;
  features: string[];
  scaler: unknown;
  centroids: unknown;
  details: unknown;
  segmentIds: string[];
}

const LOAD_MODEL = `
  SELECT m.id::text AS id, m.algorithm::text AS algorithm, m.features, m.scaler, m.centroids, m.details,
         ARRAY(SELECT s.id::text FROM segments s WHERE s.model_id = m.id ORDER BY s.index) AS "segmentIds"
  FROM segmentation_models m WHERE m.id = $1::uuid`;

export async function loadModel(sql: Sql, id: string): Promise<ActiveModel | null> {
  const [row] = await sql.query<ModelRow>(LOAD_MODEL, [id]);
  if (!row) return null;
  const features = row.features.filter(isFeatureName);
  if (features.length !== row.features.length) throw new Error(`stored model ${row.id}: unknown features in ${row.features.join(', ')}`);
  return { id: row.id, pipeline: readPipeline(row), features, rfmCuts: readRfmCuts(row), segmentIds: row.segmentIds };
}

/**
 * The active model, parsed once per model: each call costs one indexed lookup of the active id, so a model
 * activated by another process is picked up on the next batch.
 */
export class ActiveModelCache {
  private cached: ActiveModel | null = null;
  async get(sql: Sql): Promise<ActiveModel | null> {
    const [active] = await sql.query<{ id: string }>('SELECT id::text AS id FROM segmentation_models WHERE active LIMIT 1');
    if (!active) return null;
    if (this.cached?.id !== active.id) this.cached = await loadModel(sql, active.id);
    return this.cached;
  }
}

const PAGE = 20_000;

const WRITE_ASSIGNMENTS = `
  UPDATE profiles p SET segment_id = x.segment_id
  FROM unnest($1::text[], $2::uuid[]) AS x(user_id, segment_id)
  WHERE p.user_id = x.user_id AND p.segment_id IS DISTINCT FROM x.segment_id`;

async function writeAssignments(sql: Sql, userIds: readonly string[], segmentIds: readonly string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += PAGE) {
    await sql.query(WRITE_ASSIGNMENTS, [userIds.slice(i, i + PAGE), segmentIds.slice(i, i + PAGE)]);
  }
}

type AssignmentRow = ProfileNumbers & { age: number | null; cityTier: number | null };

/** Every Profile column but the interest state (ProfileNumbers): `satisfies` fails the build when a column is added. */
const PROFILE_NUMBERS = {
  userId: 'user_id',
  sessionsCount: 'sessions_count',
  totalSessionDuration: 'total_session_duration',
  pageViews: 'page_views',
  totalDwellSeconds: 'total_dwell_seconds',
  clicks: 'clicks',
  cartAdds: 'cart_adds',
  reviews: 'reviews',
  purchaseCount: 'purchase_count',
  totalSpent: 'total_spent',
  eventCount: 'event_count',
  lastPurchaseAt: 'last_purchase_at',
  firstEventAt: 'first_event_at',
  lastEventAt: 'last_event_at',
  baseSessions: 'base_sessions',
  baseSessionDuration: 'base_session_duration',
  basePageViews: 'base_page_views',
  basePurchaseCount: 'base_purchase_count',
  baseTotalSpent: 'base_total_spent',
  baseLastPurchaseAt: 'base_last_purchase_at',
  segmentId: 'segment_id::text',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
} satisfies Record<keyof ProfileNumbers, string>;

const ASSIGNMENT_ROWS = `
  SELECT ${Object.entries(PROFILE_NUMBERS).map(([field, column]) => `p.${column} AS "${field}"`).join(', ')},
         u.age, u.city_tier AS "cityTier"
  FROM profiles p JOIN users u ON u.id = p.user_id
  WHERE p.user_id = ANY($1::text[])`;

/** Places the given users in the model from their current profiles and stores the result. */
export async function assignUsers(sql: Sql, model: ActiveModel, userIds: readonly string[], now: Date, config: PortraitConfig): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await sql.query<AssignmentRow>(ASSIGNMENT_ROWS, [userIds]);
  const d = model.features.length;
  const raw = matrix(rows.length, d);
  rows.forEach((row, i) => writeFeatures({ profile: row, age: row.age, cityTier: row.cityTier }, model.features, now, config, raw.data, i * d, model.rfmCuts));
  const segments = Array.from(predictRows(model.pipeline, raw), (index) => model.segmentIds[index]!);
  await writeAssignments(sql, rows.map((r) => r.userId), segments);
}

/** Live hook for ingest and import: users whose profiles just changed move to their segment in the same transaction. */
export function liveAssignment(cache: ActiveModelCache, config: PortraitConfig, now: () => Date) {
  return async (sql: Sql, userIds: string[]): Promise<void> => {
    const model = await cache.get(sql);
    if (model) await assignUsers(sql, model, userIds, now(), config);
  };
}

/** Assigns the training rows from their training labels (no recomputation), then anyone the training did not see. */
export async function assignFromTraining(sql: Sql, model: ActiveModel, userIds: string[], labels: ArrayLike<number>, now: Date, config: PortraitConfig): Promise<void> {
  await writeAssignments(sql, userIds, Array.from(userIds, (_, i) => model.segmentIds[labels[i]!]!));
  await assignRemaining(sql, model, now, config);
}

const UNASSIGNED_PAGE = `
  SELECT user_id AS "userId" FROM profiles
  WHERE user_id > $1::text AND (segment_id IS NULL OR segment_id <> ALL($2::uuid[]))
  ORDER BY user_id LIMIT ${PAGE}`;

/** Every user not yet in one of the model's segments (new since training, or everyone on re-activation). */
export async function assignRemaining(sql: Sql, model: ActiveModel, now: Date, config: PortraitConfig): Promise<void> {
  let after = '';
  for (;;) {
    const page = await sql.query<{ userId: string }>(UNASSIGNED_PAGE, [after, model.segmentIds]);
    if (page.length === 0) return;
    await assignUsers(sql, model, page.map((p) => p.userId), now, config);
    after = page.at(-1)!.userId;
  }
}

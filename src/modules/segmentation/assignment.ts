// Keeps every user's segment in the active model current: live (inside the transaction that changes the profiles,
// through the Placement port of the profiles module) and in bulk (when a model is written or activated).
//
// Raw SQL over `Sql` (src/db/sql.ts) rather than Prisma's query builder: placement runs inside node-postgres
// transactions (ingest, the refresh) as well as Prisma ones (imports, model activation).
import type { Sql } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { ProfileWithDemographics } from '../profiles/profile-store.ts';
import { writeSegments, writeStagedSegments } from '../profiles/placements.ts';
import type { Placement, SegmentPlacer } from '../profiles/placement.ts';
import { matrix } from '../../compute/matrix.ts';
import { predictRows, type FittedPipeline } from '../../compute/pipeline.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import { isFeatureName, writeFeatures, type FeatureName } from './features.ts';
import { readEmbeddingProjection, readPipeline, readRfmCuts } from './model-row.ts';
import type { EmbeddingProjection } from './embedding-features.ts';
import { readFeaturePage } from './feature-pages.ts';
import { holdOffErasures } from '../../db/erasure-lock.ts';

/** A stored model parsed for placing users: its fitted pipeline, what its features need, its segment ids. */
export interface ActiveModel {
  id: string;
  pipeline: FittedPipeline;
  features: FeatureName[];
  /** the population RFM cut points the model was trained with (when it uses RFM features) */
  rfmCuts: RfmCutPoints | null;
  /** the reduced mean-embedding projection (when it uses embedding dimensions) */
  embedding: EmbeddingProjection | null;
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
  return { id: row.id, pipeline: readPipeline(row), features, rfmCuts: readRfmCuts(row), embedding: readEmbeddingProjection(row), segmentIds: row.segmentIds };
}

/**
 * The active model, parsed once per model: each call costs one indexed lookup of the active id, so a model activated
 * by another process is picked up on the next transaction. `lock` takes a share lock on the active model's row, so an
 * activation (which updates that row) waits for the transaction to end, and the transaction never places users in a
 * model that stopped being active before it committed.
 */
export class ActiveModelCache {
  private cached: ActiveModel | null = null;
  async get(sql: Sql, opts: { lock?: boolean } = {}): Promise<ActiveModel | null> {
    const statement = `SELECT id::text AS id FROM segmentation_models WHERE active LIMIT 1${opts.lock ? ' FOR SHARE' : ''}`;
    let [active] = await sql.query<{ id: string }>(statement);
    // Under READ COMMITTED, a lock that waited for an activation re-checks the row it found, the old model, which is
    // no longer active, and cannot see the new one (not in the statement's snapshot): nothing comes back although a
    // model is active. A new statement sees it (its activation has committed), so ask once more.
    if (!active && opts.lock) [active] = await sql.query<{ id: string }>(statement);
    if (!active) return null;
    if (this.cached?.id !== active.id) this.cached = await loadModel(sql, active.id);
    return this.cached;
  }
}

/** Places profiles in one model from their current values, in memory: one pipeline pass for the batch. */
function placerFor(model: ActiveModel, now: Date, config: PortraitConfig): SegmentPlacer {
  return {
    place(rows: readonly ProfileWithDemographics[]): string[] {
      const d = model.features.length;
      const raw = matrix(rows.length, d);
      rows.forEach((row, i) => writeFeatures(row, model.features, now, config, raw.data, i * d, model.rfmCuts, model.embedding));
      return Array.from(predictRows(model.pipeline, raw), (index) => model.segmentIds[index]!);
    },
  };
}

/** The live placement the composition root wires into every profile writer. */
export function livePlacement(cache: ActiveModelCache, config: PortraitConfig, now: () => Date): Placement {
  return async (sql) => {
    const model = await cache.get(sql, { lock: true });
    return model ? placerFor(model, now(), config) : null;
  };
}

/**
 * Assigns the training rows from their staged training labels (training-members.ts stageTrainingLabels; no
 * recomputation), then anyone the training did not see.
 */
export async function assignFromTraining(sql: Sql, model: ActiveModel, now: Date, config: PortraitConfig): Promise<void> {
  await writeStagedSegments(sql, 'training_labels');
  await assignRemaining(sql, model, now, config, { exceptTrained: true });
}

/** Profiles per page read, predicted and staged: ~1.5 MB of features at 9 features, a few ms of prediction. */
const PAGE = 20_000;

/** The segment ids of a page's predicted segment indices (the model's segments by index). */
const segmentIdsOf = (model: ActiveModel, labels: Int32Array): string[] => Array.from(labels, (index) => model.segmentIds[index]!);

// The bulk placement's segments, staged in a temporary table of the caller's transaction so that the placements are
// written by one set-wise statement at the end (and the history rule runs once over the whole set). Dropped by the
// function that creates it, so the transaction may place again.
const CREATE_PLACED = 'CREATE TEMPORARY TABLE placed_segments (user_id text NOT NULL, segment_id uuid NOT NULL) ON COMMIT DROP';
const STAGE_PLACED = 'INSERT INTO placed_segments (user_id, segment_id) SELECT x.user_id, x.segment_id FROM unnest($1::text[], $2::uuid[]) AS x(user_id, segment_id)';

/**
 * Every user (`exceptTrained`: those the retrain's training did not see, placed from their training labels), in bulk:
 * pages of features computed in SQL (feature-pages.ts), predicted by the model's pipeline a page at a time, staged,
 * then one set-wise write (placements.ts: only the users whose lineage changes). The features are those of live placement (feature-sql.ts mirrors writeFeatures), so each user gets
 * the segment the live placement would give (test/integration/bulk-placement.test.ts compares them).
 */
export async function assignRemaining(
  sql: Sql,
  model: ActiveModel,
  now: Date,
  config: PortraitConfig,
  opts: { exceptTrained?: boolean } = {},
): Promise<void> {
  // before the pages are read: the staged users must still exist when they are placed (writeStagedSegments)
  await holdOffErasures(sql);
  await sql.query(CREATE_PLACED);
  let after = '';
  for (;;) {
    const page = await readFeaturePage(sql, [model], now, config, { after, limit: PAGE, exceptTrained: opts.exceptTrained ?? false });
    if (page.userIds.length === 0) break;
    await sql.query(STAGE_PLACED, [page.userIds, segmentIdsOf(model, predictRows(model.pipeline, page.raw[0]!))]);
    after = page.userIds.at(-1)!;
  }
  // the planner's row estimate for the placement's joins
  await sql.query('ANALYZE placed_segments');
  await writeStagedSegments(sql, 'placed_segments');
  await sql.query('DROP TABLE placed_segments');
}

/**
 * Re-places the given users in the model from their current profiles, in bulk (features computed in SQL, as
 * assignRemaining): for a writer that holds the users' rows locked, so the profiles cannot change between the read
 * and the write. Unchanged lineages are not rewritten.
 */
export async function placeUsers(sql: Sql, model: ActiveModel, now: Date, config: PortraitConfig, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const page = await readFeaturePage(sql, [model], now, config, { userIds });
  await writeSegments(sql, page.userIds, segmentIdsOf(model, predictRows(model.pipeline, page.raw[0]!)));
}

// Keeps every user's segment in the active model current: live (inside the transaction that changes the profiles,
// through the Placement port of the profiles module) and in bulk (when a model is written or activated).
//
// Raw SQL over `Sql` (src/db/sql.ts) rather than Prisma's query builder: placement runs inside ingestEvents'
// node-postgres transaction as well as inside Prisma transactions (imports, model activation, schedules).
import type { Sql } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { pageWithDemographics, writeSegments, writeStagedSegments, type ProfileWithDemographics } from '../profiles/profile-store.ts';
import type { Placement, SegmentPlacer } from '../profiles/placement.ts';
import { matrix } from '../../compute/matrix.ts';
import { predictRows, type FittedPipeline } from '../../compute/pipeline.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import { isFeatureName, writeFeatures, type FeatureName } from './features.ts';
import { readEmbeddingProjection, readPipeline, readRfmCuts } from './model-row.ts';
import type { EmbeddingProjection } from './embedding-features.ts';

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
    const [active] = await sql.query<{ id: string }>(
      `SELECT id::text AS id FROM segmentation_models WHERE active LIMIT 1${opts.lock ? ' FOR SHARE' : ''}`,
    );
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
  await assignRemaining(sql, model, now, config);
}

const PAGE = 20_000;

/** Every user not yet in one of the model's segments (new since training, or everyone on re-activation). */
export async function assignRemaining(sql: Sql, model: ActiveModel, now: Date, config: PortraitConfig): Promise<void> {
  const placer = placerFor(model, now, config);
  let after = '';
  for (;;) {
    const page = await pageWithDemographics(sql, after, PAGE, { notInSegments: model.segmentIds });
    if (page.length === 0) return;
    await writeSegments(sql, page.map((r) => r.profile.userId), placer.place(page));
    after = page.at(-1)!.profile.userId;
  }
}

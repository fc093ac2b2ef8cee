// Writing and activating models. A trained model is written whole in one transaction — with its segments, who it was
// trained on (training-members.ts), its segments' lineages (lineage.ts), the activation and every user's assignment
// when asked, and the job's success — so a failure leaves the active model and the assignments exactly as they were.
import type { EmbeddingProjection } from './embedding-features.ts';
import { forLongStatements, type Db, type Tx } from '../../db/client.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { SegmentationModel } from '../../generated/prisma/client.ts';
import type { InputJsonValue } from '../../generated/prisma/internal/prismaNamespace.ts';
import { notFound } from '../../errors.ts';
import type { TrainingResult } from './fit-segmentation.ts';
import { modelColumns } from './model-row.ts';
import type { SegmentDescription } from './describe-segments.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import type { StoredFeatureBins } from './feature-bins.ts';
import { assignFromTraining, assignRemaining, loadModel } from './assignment.ts';
import { fromPrisma, type Sql } from '../../db/sql.ts';
import { stageTrainingLabels, writeTrainingMembers } from './training-members.ts';
import { matchLineages } from './lineage.ts';
import { lapTimer } from '../../lib/laps.ts';
import { holdOffErasures } from '../../db/erasure-lock.ts';

/**
 * Activation is serialised across processes by this transaction-scoped advisory lock, taken before the active flag is
 * read or changed: two activations (or an activation and a training that activates its model) otherwise both clear
 * the old flag and both set theirs, and the second fails on the one-active-model unique index
 * (segmentation_models_one_active). Held until commit, so the next one sees the committed flag.
 */
const ACTIVATION_LOCK = 72_707_371;

async function lockActivation(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ACTIVATION_LOCK})`;
}

/** Bulk writes of a million assignments take a while; they still happen all-or-nothing. */
const LONG_TRANSACTION = { timeout: 30 * 60_000, maxWait: 60_000 };

/**
 * Memory for the sorts and hash joins of a save or an activation (staged labels against placements and the active
 * model's training members: a million rows each, 50-80 MB a sort or hash), for this transaction only: at the server's
 * default (4 MB) they spill to disk in batches, and at 64 MB the save's million-row sorts still did. A bound, not an
 * allocation: a node uses what its rows need (a hash node up to hash_mem_multiplier times it).
 */
async function bulkWorkMem(tx: Tx): Promise<void> {
  await tx.$executeRawUnsafe(`SET LOCAL work_mem = '256MB'`);
}

/**
 * What else must change in the activation's transaction, because every user moves at once: the audiences that test
 * segments or lineages (a live writer's per-user evaluation would not see the move). Given by the composition root
 * (src/app/services.ts), so segmentation does not reach into the audiences module that reads its features.
 */
export type ActivationHook = (sql: Sql, now: Date, config: PortraitConfig) => Promise<unknown>;

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as InputJsonValue;

interface SaveContext {
  /** the training rows' users, in user id order */
  userIds: string[];
  /** the count of erasures before training read the users (src/db/erasure-lock.ts erasureMark); null: not taken */
  erasureMark: string | null;
  descriptions: SegmentDescription[];
  /** who named the segments, and why a language model's answer was not used */
  naming: { namedBy: string; fallbackReason: string | null };
  /** the RFM cut points the features were scored with, kept so live scoring matches */
  rfmCuts: RfmCutPoints | null;
  /** the reduced mean-embedding projection the model's embedding dimensions use */
  embedding?: EmbeddingProjection | null;
  /** the training sample's bins per feature, kept for feature drift (PSI) */
  featureBins: StoredFeatureBins;
  activate: boolean;
  createdBy: string | null;
  jobId: string | null;
  /** the text model version learned at this training (Model.textModel); null when none was learned or stored */
  textModelVersion?: number | null;
  /** true: the job succeeds in this transaction; false: it is only linked to the model (its handler goes on) */
  completeJob: boolean;
  now: Date;
  config: PortraitConfig;
  /** run in the transaction when the model is activated (see ActivationHook) */
  onActivate: ActivationHook;
  /** filled with the wall time of the save's steps, as `save: <step>` (ms) */
  timings?: Record<string, number>;
}

export async function saveModel(db: Db, trained: TrainingResult, ctx: SaveContext): Promise<SegmentationModel> {
  const { segmentStats, ...columns } = modelColumns(trained, ctx.rfmCuts, ctx.embedding ?? null);
  // Long statements: on the job connections, bounded by DATABASE_JOB_STATEMENT_TIMEOUT_MS rather than a request's bound.
  const lap = lapTimer(ctx.timings ?? {}, 'save: ');
  return forLongStatements(db).$transaction(async (tx) => {
    await bulkWorkMem(tx);
    const model = await tx.segmentationModel.create({
      data: { ...columns, featureBins: json(ctx.featureBins), trainedOn: ctx.userIds.length, createdBy: ctx.createdBy, namedBy: ctx.naming.namedBy, namingFallback: ctx.naming.fallbackReason, textModelVersion: ctx.textModelVersion ?? null },
    });
    await tx.segment.createMany({
      data: trained.segments.map((s, i) => ({
        modelId: model.id,
        index: s.index,
        size: s.size,
        share: s.share,
        stats: segmentStats[i]!,
        labels: json(ctx.descriptions[s.index] ?? {}),
      })),
    });
    const sql = fromPrisma(tx);
    const segmentIds = (await tx.segment.findMany({ where: { modelId: model.id }, orderBy: { index: 'asc' }, select: { id: true } })).map((s) => s.id);
    lap('model and segments');
    await stageTrainingLabels(sql, segmentIds, ctx.userIds, trained.labels, ctx.erasureMark);
    lap('stage labels');
    await writeTrainingMembers(sql);
    lap('training members');
    // Lineages are matched against the model active when this one is written; an activation holds the lock from here,
    // so the model it matched is the one it replaces. (Staging the labels held off erasures first: every transaction
    // takes that lock before the activation lock, as activateModel does.)
    if (ctx.activate) await lockActivation(tx);
    const previous = await tx.segmentationModel.findFirst({ where: { active: true }, select: { id: true } });
    if (previous) await matchLineages(sql, previous.id);
    lap('lineage');
    let saved = model;
    if (ctx.activate) {
      await tx.segmentationModel.updateMany({ where: { active: true }, data: { active: false } });
      saved = await tx.segmentationModel.update({ where: { id: model.id }, data: { active: true } });
      const active = (await loadModel(sql, model.id))!;
      await assignFromTraining(sql, active, ctx.now, ctx.config);
      lap('assign everyone');
      await ctx.onActivate(sql, ctx.now, ctx.config);
      lap('audiences at activation');
    }
    if (ctx.jobId) {
      await tx.job.update({
        where: { id: ctx.jobId },
        data: ctx.completeJob ? { status: 'SUCCEEDED', progress: 1, modelId: model.id, finishedAt: new Date() } : { modelId: model.id },
      });
    }
    return saved;
  }, LONG_TRANSACTION);
}

/** Makes a stored model the active one and moves every user to its segment in it, in one transaction. */
export async function activateModel(db: Db, id: string, now: Date, config: PortraitConfig, onActivate: ActivationHook): Promise<SegmentationModel> {
  return forLongStatements(db).$transaction(async (tx) => {
    await bulkWorkMem(tx);
    // Erasures are held off (the placement of everyone needs it) before the activation lock is taken, in the order a
    // save takes the two (when it stages its training labels, first): the other order deadlocks an activation against
    // a save.
    await holdOffErasures(fromPrisma(tx));
    await lockActivation(tx);
    const target = await tx.segmentationModel.findUnique({ where: { id } });
    if (!target) throw notFound(`model ${id}`);
    if (target.active) return target;
    await tx.segmentationModel.updateMany({ where: { active: true }, data: { active: false } });
    const activated = await tx.segmentationModel.update({ where: { id }, data: { active: true } });
    const sql = fromPrisma(tx);
    await assignRemaining(sql, (await loadModel(sql, id))!, now, config);
    await onActivate(sql, now, config);
    return activated;
  }, LONG_TRANSACTION);
}

/** The active model with its segments, or null. */
export const findActiveModelWithSegments = (db: Db | Tx) =>
  db.segmentationModel.findFirst({ where: { active: true }, include: { segments: { orderBy: { index: 'asc' } } } });

/** Models by id (absent ones are missing from the list). */
export const findModels = (db: Db, ids: readonly string[]) => db.segmentationModel.findMany({ where: { id: { in: [...ids] } } });
/** Every stored model, newest first. */
export const listModels = (db: Db) => db.segmentationModel.findMany({ orderBy: { version: 'desc' } });
/** The active model, or null. */
export const findActiveModel = (db: Db) => db.segmentationModel.findFirst({ where: { active: true } });
/** Segments by id. */
export const findSegments = (db: Db, ids: readonly string[]) => db.segment.findMany({ where: { id: { in: [...ids] } } });
/** The segments of the given models, in index order. */
export const segmentsOfModels = (db: Db, modelIds: readonly string[]) =>
  db.segment.findMany({ where: { modelId: { in: [...modelIds] } }, orderBy: { index: 'asc' } });

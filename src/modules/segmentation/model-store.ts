// Writing and activating models. A trained model is written whole in one transaction — with its segments, the
// activation and every user's assignment when asked, and the job's success — so a failure leaves the active model
// and the assignments exactly as they were.
import { forLongStatements, type Db } from '../../db/client.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { SegmentationModel } from '../../generated/prisma/client.ts';
import type { InputJsonValue } from '../../generated/prisma/internal/prismaNamespace.ts';
import { notFound } from '../../errors.ts';
import type { TrainedModel } from './train-model.ts';
import type { SegmentDescription } from './describe-segments.ts';
import type { RfmCutPoints } from '../../rules/rfm.ts';
import { assignFromTraining, assignRemaining, loadModel } from './assignment.ts';
import { fromPrisma } from '../../db/sql.ts';

/** Bulk writes of a million assignments take a while; they still happen all-or-nothing. */
const LONG_TRANSACTION = { timeout: 30 * 60_000, maxWait: 60_000 };

const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as InputJsonValue;

export interface SaveContext {
  userIds: string[];
  descriptions: SegmentDescription[];
  /** the RFM cut points the features were scored with, kept so live scoring matches */
  rfmCuts: RfmCutPoints | null;
  activate: boolean;
  createdBy: string | null;
  jobId: string | null;
  /** true: the job succeeds in this transaction; false: it is only linked to the model (its handler goes on) */
  completeJob: boolean;
  now: Date;
  config: PortraitConfig;
}

export async function saveModel(db: Db, trained: TrainedModel, ctx: SaveContext): Promise<SegmentationModel> {
  // Long statements: on the job connections, bounded by DATABASE_JOB_STATEMENT_TIMEOUT_MS rather than a request's bound.
  return forLongStatements(db).$transaction(async (tx) => {
    const model = await tx.segmentationModel.create({
      data: {
        algorithm: trained.algorithm,
        k: trained.k,
        features: trained.features,
        params: json(trained.params),
        scaler: json(trained.scaler),
        centroids: json(trained.centroids),
        metrics: json(trained.metrics),
        details: json({
          preprocessing: trained.preprocessing,
          gmm: trained.gmm,
          kSelection: trained.kSelection,
          featureImportance: trained.featureImportance,
          stability: trained.stability,
          projection: trained.projection,
          comparison: trained.comparison,
          timingsMs: trained.timingsMs,
          rfmCuts: ctx.rfmCuts,
        }),
        trainedOn: ctx.userIds.length,
        createdBy: ctx.createdBy,
      },
    });
    await tx.segment.createMany({
      data: trained.segments.map((s) => ({
        modelId: model.id,
        index: s.index,
        size: s.size,
        share: s.share,
        stats: json(s.stats),
        labels: json(ctx.descriptions[s.index] ?? {}),
      })),
    });
    let saved = model;
    if (ctx.activate) {
      await tx.segmentationModel.updateMany({ where: { active: true }, data: { active: false } });
      saved = await tx.segmentationModel.update({ where: { id: model.id }, data: { active: true } });
      const sql = fromPrisma(tx);
      const active = (await loadModel(sql, model.id))!;
      await assignFromTraining(sql, active, ctx.userIds, trained.labels, ctx.now, ctx.config);
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
export async function activateModel(db: Db, id: string, now: Date, config: PortraitConfig): Promise<SegmentationModel> {
  return forLongStatements(db).$transaction(async (tx) => {
    const target = await tx.segmentationModel.findUnique({ where: { id } });
    if (!target) throw notFound(`model ${id}`);
    if (target.active) return target;
    await tx.segmentationModel.updateMany({ where: { active: true }, data: { active: false } });
    const activated = await tx.segmentationModel.update({ where: { id }, data: { active: true } });
    const sql = fromPrisma(tx);
    await assignRemaining(sql, (await loadModel(sql, id))!, now, config);
    return activated;
  }, LONG_TRANSACTION);
}

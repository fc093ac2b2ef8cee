// What each schedule does.
// hourly: users whose events arrived since the last hourly run (by arrival, so back-dated events count) — decayed
//         interest state brought to now, segment re-placed (features such as recency move with time);
//         then the audiences whose rules change with time, the statistics or a model (recency, tiers, segment...)
//         recomputed over the whole population;
// daily:  every profile — the same, plus the population statistics behind label tiers and RFM, then those audiences,
//         then the daily report (src/modules/monitoring/daily-report.ts);
// weekly: a full retrain that becomes active only if its silhouette is not worse than the active model's by more
//         than the configured margin, both scored on today's profiles in one space (retrain-guard.ts); otherwise it
//         is kept, inactive, and the reason recorded.
import type { Db } from '../../db/client.ts';
import { poolForLongStatements } from '../../db/client.ts';
import { fromPool, fromPrisma, pgTransaction } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Logger } from '../../logger.ts';
import type { JobContext, JobHandler } from '../jobs/job-runner.ts';
import { countProfiles, lockPageAndDecayInterests, type PageFilter } from '../profiles/profile-store.ts';
import { activateModel, findActiveModel, type ActivationHook } from '../segmentation/model-store.ts';
import { readEmbeddingProjection, readPipeline, readRfmCuts, readTrainParams } from '../segmentation/model-row.ts';
import { resolveFeatures } from '../segmentation/features.ts';
import type { SegmentationModel } from '../../generated/prisma/client.ts';
import { placeUsers, type ActiveModelCache } from '../segmentation/assignment.ts';
import { readFeaturePage } from '../segmentation/feature-pages.ts';
import { GUARD_SILHOUETTE_SAMPLE, scoreOnCurrentSample, type GuardScores } from './retrain-guard.ts';
import { parseTrainInput, trainAndSave, type RetrainPayload } from '../segmentation/training-job.ts';
import { computePopulationStats, type PopulationStatsCache } from '../population/population-stats.ts';
import { scheduleJobKind } from './schedules.ts';
import { writeDailyReport } from '../monitoring/daily-report.ts';
import type { SegmentNamer } from '../segmentation/naming/namer.ts';
import { recomputeVolatileAudiences } from '../audiences/audiences-service.ts';
import { learnTextModel, type TextModelCache } from '../text/text-models.ts';

const audienceOutcome = (a: { audiences: number; entered: number; exited: number }) =>
  `; ${a.audiences} time-dependent audience(s) re-evaluated (${a.entered} entered, ${a.exited} left)`;

export interface ScheduleDeps {
  db: Db;
  config: PortraitConfig;
  logger: Logger;
  now: () => Date;
  populationStats: PopulationStatsCache;
  /** the process's active model, parsed once per model (the one live placement uses), for the refresh's placement */
  activeModels: ActiveModelCache;
  namer: SegmentNamer;
  /** the newest text model, cached (a version learned here is looked for at once) */
  textModels: TextModelCache;
  /** what an activation also changes in its transaction (model-store.ts ActivationHook) */
  onActivate: ActivationHook;
}

/**
 * Profiles per refresh transaction: their rows stay locked while the page is decayed, read, placed and written (a
 * concurrent ingest of one of them waits that long), so pages are kept to a fraction of a second.
 */
const PAGE = 10_000;
/** How far before the previous hourly run's start its successor looks for arrived events (see the hourly handler). */
const ARRIVAL_MARGIN_MS = 5 * 60_000;

/**
 * Pages through the profiles matching `filter` (or all), each page in one transaction on the job connections: the
 * rows locked in user id order and their interest state brought to `now` (faded categories pruned) in one SQL
 * statement, then the page re-placed in the active model (features such as recency move with time) from features
 * computed in SQL, predicted in one pipeline pass and written in one statement. No profile becomes an object here.
 * Returns the number of users.
 */
async function refreshAll(deps: ScheduleDeps, activeModels: ActiveModelCache, ctx: JobContext, filter: PageFilter): Promise<number> {
  const now = deps.now();
  const total = await countProfiles(fromPrisma(deps.db), filter);
  const pool = poolForLongStatements(deps.db);
  let after = '';
  let done = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const userIds = await pgTransaction(pool, async (client) => {
      const sql = fromPool(client);
      // the active model first, share-locked as live placement locks it: an activation waits for this page
      const model = await activeModels.get(sql, { lock: true });
      const page = await lockPageAndDecayInterests(sql, after, PAGE, filter, now, deps.config.interestTags.dailyDecay);
      if (model) await placeUsers(sql, model, now, deps.config, page);
      return page;
    });
    if (userIds.length === 0) return done;
    done += userIds.length;
    after = userIds.at(-1)!;
    await ctx.progress(total ? (0.9 * done) / total : 0.9);
  }
}

/**
 * Scores the new and the active model on the profiles as they are now: a seeded sample of them (as many as the
 * silhouette is computed on), each user read as a row of each model's features with each model's own RFM cuts and
 * embedding projection, in one statement, so the rows stay aligned.
 */
async function guardScores(deps: ScheduleDeps, fresh: SegmentationModel, active: SegmentationModel, seed: number): Promise<GuardScores> {
  const features = (m: SegmentationModel) => ({ features: resolveFeatures(m.features), rfmCuts: readRfmCuts(m), embedding: readEmbeddingProjection(m) });
  const sample = await readFeaturePage(fromPrisma(deps.db), [features(fresh), features(active)], deps.now(), deps.config, {
    sampleSeed: seed,
    limit: GUARD_SILHOUETTE_SAMPLE,
  });
  return scoreOnCurrentSample({ freshRaw: sample.raw[0]!, fresh: readPipeline(fresh), activeRaw: sample.raw[1]!, active: readPipeline(active), seed });
}

const fmt = (v: number | null) => (v === null ? 'none' : v.toFixed(4));

export function scheduleHandlers(deps: ScheduleDeps): Record<string, JobHandler> {
  const { activeModels } = deps;
  return {
    [scheduleJobKind('hourly')]: async (ctx) => {
      const previous = await deps.db.job.findFirst({
        where: { kind: scheduleJobKind('hourly'), status: 'SUCCEEDED' },
        orderBy: { startedAt: 'desc' },
        select: { startedAt: true },
      });
      // received_at and started_at are both the database's now(), the start of their transactions: an ingest that
      // began just before the previous run started may have committed after that run read the events, so the window
      // reaches back a margin before it (refreshing a user twice is harmless). The first run looks back one hour.
      const from = previous?.startedAt ?? ctx.job.startedAt ?? deps.now();
      const since = new Date(from.getTime() - (previous ? ARRIVAL_MARGIN_MS : 3_600_000));
      const rows = await refreshAll(deps, activeModels, ctx, { receivedSince: since });
      const audiences = await recomputeVolatileAudiences(deps.db, deps.now(), deps.config);
      return { rows, outcome: `refreshed ${rows} users with events received since ${since.toISOString()}${audienceOutcome(audiences)}` };
    },
    [scheduleJobKind('daily')]: async (ctx) => {
      const stats = await computePopulationStats(deps.db, deps.now(), deps.config);
      deps.populationStats.invalidate();
      const rows = await refreshAll(deps, activeModels, ctx, {});
      const audiences = await recomputeVolatileAudiences(deps.db, deps.now(), deps.config);
      const report = await writeDailyReport(deps.db, deps.config, deps.logger, deps.now());
      // topics learned again from today's corpus; the sentiment model stays the last retrain's
      const text = await learnTextModel(deps.db, deps.logger, { source: ctx.job.kind, jobId: ctx.job.id, trainSentiment: false, signal: ctx.signal });
      deps.textModels.invalidate();
      const textOutcome = text
        ? `; text model version ${text.version}: ${text.topics} topics (${text.corpusTopics} from the corpus) from ${text.sampleSize} reviews${text.rescoreQueued ? ', reviews to be re-scored' : ''}`
        : '; no reviews to learn topics from';
      return { rows, outcome: `population statistics over ${stats.population} users; refreshed ${rows} users${audienceOutcome(audiences)}; daily report ${report.date}: ${report.rating}${textOutcome}` };
    },
    [scheduleJobKind('weekly')]: async (ctx) => {
      const active = await findActiveModel(deps.db);
      // Same recipe as the active model (new data, same features and parameters), or the defaults.
      const payload: RetrainPayload = active
        ? { ...readTrainParams(active), features: resolveFeatures(active.features), activate: false }
        : { ...parseTrainInput({}), activate: false };
      const model = await trainAndSave(deps, payload, ctx.job, ctx, false);
      // Both on today's profiles, in one space (the stored silhouettes describe two different populations).
      const scores = active ? await guardScores(deps, model, active, payload.seed) : null;
      const fresh = scores?.fresh ?? null;
      const current = scores?.active ?? null;
      const margin = deps.config.retrain.silhouetteMargin;
      // An active model with no silhouette today (it puts everybody in one segment) is no bar to clear.
      const better = !active || current === null || (fresh !== null && fresh >= current - margin);
      const on = scores ? ` on today's ${scores.sampleSize} users` : '';
      const reason = !active
        ? 'no model was active'
        : better
          ? `silhouette ${fmt(fresh)} is within ${margin} of the active model's ${fmt(current)} or better${on}`
          : `silhouette ${fmt(fresh)} is worse than the active model's ${fmt(current)} by more than ${margin}${on}`;
      if (better) await activateModel(deps.db, model.id, deps.now(), deps.config, deps.onActivate);
      deps.logger.info({ modelId: model.id, activated: better, reason }, 'weekly retrain');
      return { rows: model.trainedOn, outcome: better ? 'ACTIVATED' : 'KEPT_INACTIVE', reason, modelId: model.id, silhouette: fresh, activeSilhouette: current };
    },
  };
}

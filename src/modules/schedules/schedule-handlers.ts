// What each schedule does.
// hourly: users whose events arrived since the last hourly run (by arrival, so back-dated events count) — decayed
//         interest state brought to now, segment re-placed (features such as recency move with time);
// daily:  every profile — the same, plus the population statistics behind label tiers and RFM;
// weekly: a full retrain that becomes active only if its silhouette is not worse than the active model's by more
//         than the configured margin; otherwise it is kept, inactive, and the reason recorded.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Logger } from '../../logger.ts';
import { decayTo } from '../../rules/decay.ts';
import type { JobContext, JobHandler } from '../jobs/job-runner.ts';
import { readDecayState, storedDecayState } from '../profiles/category-weights.ts';
import { countProfiles, pageWithDemographics, writeFields, type PageFilter } from '../profiles/profile-store.ts';
import type { Placement } from '../profiles/placement.ts';
import { activateModel, findActiveModel } from '../segmentation/model-store.ts';
import { readMetrics, readTrainParams } from '../segmentation/model-row.ts';
import { resolveFeatures } from '../segmentation/features.ts';
import { parseTrainInput, trainAndSave, type RetrainPayload } from '../segmentation/retrain.ts';
import { computePopulationStats, type PopulationStatsCache } from '../population/population-stats.ts';
import { scheduleJobKind } from './schedules.ts';

export interface ScheduleDeps {
  db: Db;
  config: PortraitConfig;
  logger: Logger;
  now: () => Date;
  populationStats: PopulationStatsCache;
  placement: Placement;
}

const PAGE = 5_000;
/** How far before the previous hourly run's start its successor looks for arrived events (see the hourly handler). */
const ARRIVAL_MARGIN_MS = 5 * 60_000;

/**
 * Pages through the profiles matching `filter` (or all), each page in one transaction: the interest state brought to
 * `now` (faded categories pruned) and the segment re-placed (features such as recency move with time), written in
 * one statement. Returns the number of users.
 */
async function refreshAll(deps: ScheduleDeps, ctx: JobContext, filter: PageFilter): Promise<number> {
  const now = deps.now();
  const total = await countProfiles(fromPrisma(deps.db), filter);
  let after = '';
  let done = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const page = await deps.db.$transaction(async (tx) => {
      const sql = fromPrisma(tx);
      const placer = await deps.placement(sql);
      const rows = await pageWithDemographics(sql, after, PAGE, filter);
      const updated = rows.map((row) => {
        const state = decayTo(readDecayState(row.profile.categoryWeights, row.profile.weightsAt), now, deps.config.interestTags.dailyDecay);
        return { ...row, profile: { ...row.profile, ...storedDecayState(state) } };
      });
      if (placer) {
        const segments = placer.place(updated);
        updated.forEach((row, i) => (row.profile.segmentId = segments[i]!));
      }
      await writeFields(sql, ['categoryWeights', 'weightsAt', 'segmentId'], updated.map((r) => r.profile));
      return rows;
    }, { timeout: 120_000, maxWait: 30_000 });
    if (page.length === 0) return done;
    done += page.length;
    after = page.at(-1)!.profile.userId;
    await ctx.progress(total ? (0.9 * done) / total : 0.9);
  }
}

export function scheduleHandlers(deps: ScheduleDeps): Record<string, JobHandler> {
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
      const rows = await refreshAll(deps, ctx, { receivedSince: since });
      return { rows, outcome: `refreshed ${rows} users with events received since ${since.toISOString()}` };
    },
    [scheduleJobKind('daily')]: async (ctx) => {
      const stats = await computePopulationStats(deps.db, deps.now(), deps.config);
      deps.populationStats.invalidate();
      const rows = await refreshAll(deps, ctx, {});
      return { rows, outcome: `population statistics over ${stats.population} users; refreshed ${rows} users` };
    },
    [scheduleJobKind('weekly')]: async (ctx) => {
      const active = await findActiveModel(deps.db);
      // Same recipe as the active model (new data, same features and parameters), or the defaults.
      const payload: RetrainPayload = active
        ? { ...readTrainParams(active), features: resolveFeatures(active.features), activate: false }
        : { ...parseTrainInput({}), activate: false };
      const model = await trainAndSave(deps, payload, ctx.job, ctx, false);
      const fresh = readMetrics(model).silhouette;
      const current = active ? readMetrics(active).silhouette : null;
      const margin = deps.config.retrain.silhouetteMargin;
      const better = !active || current === null || (fresh !== null && fresh >= current - margin);
      const reason = !active
        ? 'no model was active'
        : better
          ? `silhouette ${fresh?.toFixed(4)} is within ${margin} of the active model's ${current?.toFixed(4)} or better`
          : `silhouette ${fresh?.toFixed(4)} is worse than the active model's ${current?.toFixed(4)} by more than ${margin}`;
      if (better) await activateModel(deps.db, model.id, deps.now(), deps.config);
      deps.logger.info({ modelId: model.id, activated: better, reason }, 'weekly retrain');
      return { rows: model.trainedOn, outcome: better ? 'ACTIVATED' : 'KEPT_INACTIVE', reason, modelId: model.id, silhouette: fresh, activeSilhouette: current };
    },
  };
}

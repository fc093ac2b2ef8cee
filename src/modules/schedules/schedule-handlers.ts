// What each schedule does.
// hourly: users with events since the last hourly run — decayed interest state brought to now, segment re-placed
//         (features such as recency move with time);
// daily:  every profile — the same, plus the population statistics behind label tiers and RFM;
// weekly: a full retrain that becomes active only if its silhouette is not worse than the active model's by more
//         than the configured margin; otherwise it is kept, inactive, and the reason recorded.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Logger } from '../../logger.ts';
import { decayTo } from '../../rules/decay.ts';
import type { JobContext, JobHandler } from '../jobs/job-runner.ts';
import { readDecayState } from '../profiles/category-weights.ts';
import { ActiveModelCache, assignUsers } from '../segmentation/assignment.ts';
import { activateModel } from '../segmentation/model-store.ts';
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
}

const PAGE = 5_000;

/** Brings the interest state of the given users to `now` (pruning faded categories) and re-places them. */
async function refreshUsers(deps: ScheduleDeps, userIds: string[], now: Date, model: Awaited<ReturnType<ActiveModelCache['get']>>): Promise<void> {
  const rows = await deps.db.profile.findMany({ where: { userId: { in: userIds } }, select: { userId: true, categoryWeights: true, weightsAt: true } });
  const updates = rows
    .filter((r) => r.weightsAt)
    .map((r) => {
      const s = decayTo(readDecayState(r.categoryWeights, r.weightsAt), now, deps.config.interestTags.dailyDecay);
      return { userId: r.userId, state: { weights: s.weights, counts: s.counts }, at: s.at };
    });
  if (updates.length) {
    await deps.db.$executeRaw`
      UPDATE profiles p SET category_weights = x.state, weights_at = x.at
      FROM json_to_recordset(${JSON.stringify(updates)}::json) AS x("userId" text, state jsonb, at timestamptz)
      WHERE p.user_id = x."userId"`;
  }
  if (model) await assignUsers(fromPrisma(deps.db), model, userIds, now, deps.config);
}

/** Pages through profiles matching `since` (or all), refreshing each page; returns the number of users. */
async function refreshAll(deps: ScheduleDeps, ctx: JobContext, since: Date | null): Promise<number> {
  const now = deps.now();
  const model = await new ActiveModelCache().get(fromPrisma(deps.db));
  const where = since ? { lastEventAt: { gt: since } } : {};
  const total = await deps.db.profile.count({ where });
  let after = '';
  let done = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const page = await deps.db.profile.findMany({ where: { ...where, userId: { gt: after } }, orderBy: { userId: 'asc' }, take: PAGE, select: { userId: true } });
    if (page.length === 0) return done;
    await refreshUsers(deps, page.map((p) => p.userId), now, model);
    done += page.length;
    after = page.at(-1)!.userId;
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
      const since = previous?.startedAt ?? new Date(deps.now().getTime() - 3_600_000);
      const rows = await refreshAll(deps, ctx, since);
      return { rows, outcome: `refreshed ${rows} users active since ${since.toISOString()}` };
    },
    [scheduleJobKind('daily')]: async (ctx) => {
      const stats = await computePopulationStats(deps.db, deps.now(), deps.config);
      deps.populationStats.invalidate();
      const rows = await refreshAll(deps, ctx, null);
      return { rows, outcome: `population statistics over ${stats.population} users; refreshed ${rows} users` };
    },
    [scheduleJobKind('weekly')]: async (ctx) => {
      const active = await deps.db.segmentationModel.findFirst({ where: { active: true } });
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

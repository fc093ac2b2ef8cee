// Which code runs each kind of job: the job queue (src/modules/jobs/) knows kinds only; the handlers are registered
// here, at the composition root, so the queue depends on no domain module.
import type { JobHandler } from '../modules/jobs/job-runner.ts';
import { RETRAIN_JOB, retrainHandler } from '../modules/segmentation/training-job.ts';
import { scheduleHandlers, type ScheduleDeps } from '../modules/schedules/schedule-handlers.ts';
import { enqueueDueSchedules, scheduleJobKind } from '../modules/schedules/schedules.ts';
import type { JobLanes } from '../modules/jobs/job-queue.ts';
import { RESCORE_TOPICS_JOB } from '../modules/text/text-models.ts';
import { rescoreTopicsHandler } from '../modules/text/rescore-topics.ts';

/** What the handlers need: the schedules' dependencies (a superset of training's) and how stale a text model can be. */
export type JobDeps = ScheduleDeps & { textModelRefreshMs: number };

/**
 * Kinds that must not overlap, across every process: each of these trains a model (and may activate it), so two at
 * once would double the memory and CPU of training and race to activate.
 */
export const JOB_LANES: JobLanes = { [RETRAIN_JOB]: 'training', [scheduleJobKind('weekly')]: 'training' };

/** How often a runner looks for due schedule slots. */
const SCHEDULE_CHECK_MS = 15_000;

export function jobHandlers(deps: JobDeps): Record<string, JobHandler> {
  return {
    [RETRAIN_JOB]: retrainHandler(deps),
    ...scheduleHandlers(deps),
    [RESCORE_TOPICS_JOB]: rescoreTopicsHandler({ db: deps.db, logger: deps.logger, refreshMs: deps.textModelRefreshMs }),
  };
}

/** Runs before each claim: queues the schedule slots that have come due (at most every SCHEDULE_CHECK_MS). */
export function scheduleEnqueuer(deps: JobDeps): () => Promise<void> {
  let lastCheck = 0;
  return async () => {
    const now = deps.now();
    if (now.getTime() - lastCheck < SCHEDULE_CHECK_MS) return;
    lastCheck = now.getTime();
    const queued = await enqueueDueSchedules(deps.db, deps.config, now);
    if (queued.length) deps.logger.info({ queued }, 'queued scheduled runs');
  };
}

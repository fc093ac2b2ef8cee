// Which code runs each kind of job. A process that runs jobs builds its runner from this one map.
import type { Services } from '../../graphql/context.ts';
import { JobRunner, type JobRunnerOptions } from './job-runner.ts';
import { RETRAIN_JOB, retrainHandler } from '../segmentation/retrain.ts';
import { scheduleHandlers } from '../schedules/schedule-handlers.ts';
import { enqueueDueSchedules, scheduleJobKind } from '../schedules/schedules.ts';
import type { JobLanes } from './job-queue.ts';

/**
 * Kinds that must not overlap, across every process: each of these trains a model (and may activate it), so two at
 * once would double the memory and CPU of training and race to activate.
 */
export const JOB_LANES: JobLanes = { [RETRAIN_JOB]: 'training', [scheduleJobKind('weekly')]: 'training' };

/** How often a runner looks for due schedule slots. */
const SCHEDULE_CHECK_MS = 15_000;

export function createJobRunner(services: Services, opts: JobRunnerOptions & { schedules?: boolean } = {}): JobRunner {
  const deps = { db: services.db, config: services.portrait, logger: services.logger, now: services.now, populationStats: services.populationStats };
  let lastCheck = 0;
  const beforeClaim = opts.schedules
    ? async () => {
        const now = services.now();
        if (now.getTime() - lastCheck < SCHEDULE_CHECK_MS) return;
        lastCheck = now.getTime();
        const queued = await enqueueDueSchedules(services.db, services.portrait, now);
        if (queued.length) services.logger.info({ queued }, 'queued scheduled runs');
      }
    : undefined;
  return new JobRunner(
    services.db,
    { [RETRAIN_JOB]: retrainHandler(deps), ...scheduleHandlers(deps) },
    services.logger,
    { lanes: JOB_LANES, ...opts, ...(beforeClaim ? { beforeClaim } : {}) },
  );
}

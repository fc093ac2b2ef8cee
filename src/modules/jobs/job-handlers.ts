// Which code runs each kind of job. A process that runs jobs builds its runner from this one map.
import type { Services } from '../../graphql/context.ts';
import { JobRunner, type JobRunnerOptions } from './job-runner.ts';
import { RETRAIN_JOB, retrainHandler } from '../segmentation/retrain.ts';

export function createJobRunner(services: Services, opts: JobRunnerOptions = {}): JobRunner {
  const deps = { db: services.db, config: services.portrait, logger: services.logger, now: services.now };
  return new JobRunner(services.db, { [RETRAIN_JOB]: retrainHandler(deps) }, services.logger, opts);
}

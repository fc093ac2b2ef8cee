// Polls the queue and runs claimed jobs one at a time in this process, with heartbeats. Stopping releases the
// running job back to the queue, so a restart (or another process) resumes it.
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Job } from '../../generated/prisma/client.ts';
import type { Logger } from '../../logger.ts';
import { PublicError } from '../../errors.ts';
import { PollLoop } from '../../lib/poll-loop.ts';
import { claimNext, complete, fail, heartbeat, recoverStalled, release, type JobLanes } from './job-queue.ts';
import { ProgressRecorder } from './progress-recorder.ts';

export interface JobContext {
  job: Job;
  signal: AbortSignal;
  /** records progress (0..1), in the order reported even when not awaited; throttled by the caller's own pace */
  progress(fraction: number): Promise<void>;
}

/** A handler may return a summary (rows, outcome) that is stored with the finished job. */
export type JobHandler = (ctx: JobContext) => Promise<Record<string, unknown> | void>;

export interface JobRunnerOptions {
  pollMs?: number;
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** runs before each claim, e.g. to enqueue schedule slots that are due */
  beforeClaim?: () => Promise<void>;
  /** kinds that must not run at the same time as each other (job-queue.ts) */
  lanes?: JobLanes;
}

export class JobRunner {
  readonly workerId = `worker-${randomUUID()}`;
  private running: { job: Job; abort: AbortController } | undefined;
  private stopped = false;
  private readonly loop: PollLoop;
  private readonly heartbeatMs: number;
  private readonly staleAfterMs: number;
  private readonly beforeClaim: (() => Promise<void>) | undefined;
  private readonly lanes: JobLanes;

  constructor(
    private readonly db: Db,
    private readonly handlers: Readonly<Record<string, JobHandler>>,
    private readonly logger: Logger,
    opts: JobRunnerOptions = {},
  ) {
    this.heartbeatMs = opts.heartbeatMs ?? 5_000;
    this.staleAfterMs = opts.staleAfterMs ?? 60_000;
    this.beforeClaim = opts.beforeClaim;
    this.lanes = opts.lanes ?? {};
    this.loop = new PollLoop(() => this.round(), opts.pollMs ?? 1_000, (err) => this.logger.error({ err }, 'job loop error'));
  }

  start(): void {
    this.stopped = false;
    this.loop.start();
  }

  /** Wakes the loop now (e.g. right after a job was queued by this process). */
  poke(): void {
    this.loop.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running?.abort.abort();
    await this.loop.stop();
  }

  /** One claim: true when a job ran (the next claim comes at once). */
  private async round(): Promise<boolean> {
    const recovered = await recoverStalled(this.db, this.staleAfterMs);
    if (recovered) this.logger.warn({ recovered }, 'requeued jobs whose worker stopped responding');
    await this.beforeClaim?.();
    const job = await claimNext(this.db, this.workerId, Object.keys(this.handlers), this.lanes);
    if (!job) return false;
    await this.run(job);
    return true;
  }

  private async run(job: Job): Promise<void> {
    const abort = new AbortController();
    const log = this.logger.child({ jobId: job.id, kind: job.kind });
    const progress = new ProgressRecorder(job.progress, (fraction) => heartbeat(this.db, job.id, this.workerId, fraction));
    const beat = setInterval(() => {
      void progress.flush().then((mine) => {
        if (!mine) abort.abort(); // someone requeued it: stop working on a job that is no longer ours
      }, () => {});
    }, this.heartbeatMs);
    const done = (async () => {
      log.info('job started');
      try {
        const result = await this.handlers[job.kind]!({
          job,
          signal: abort.signal,
          progress: async (fraction) => void (await progress.set(fraction)),
        });
        await complete(this.db, job.id, this.workerId, result ?? null);
        log.info('job finished');
      } catch (err) {
        if (this.stopped) {
          await release(this.db, job.id, this.workerId);
          log.info('job released for another worker (shutting down)');
        } else {
          // The job's error is read by every key (trainingJob.error): only messages written for users are stored;
          // anything else (a database error with its SQL, paths and hosts) goes to the log with the job id.
          const message = err instanceof PublicError ? err.message : `the job failed on an internal error; the service log has the details (job ${job.id})`;
          await fail(this.db, job.id, this.workerId, message);
          if (err instanceof PublicError) log.warn({ err }, 'job failed');
          else log.error({ err }, 'job failed on an internal error');
        }
      } finally {
        clearInterval(beat);
      }
    })();
    this.running = { job, abort };
    try {
      await done;
    } finally {
      this.running = undefined;
    }
  }
}

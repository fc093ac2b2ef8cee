// Durable jobs in PostgreSQL. Any number of workers claim them with FOR UPDATE SKIP LOCKED; a transaction-scoped
// advisory lock serialises claims so that at most one job of a lane runs at a time per database. A lane is a set of
// kinds that must not overlap (every kind that trains a model shares one, so a retrain and the weekly schedule never
// train at once); a kind named in no lane is a lane of its own.
// A job whose worker stops sending heartbeats (killed, crashed) goes back to the queue.
import type { Db } from '../../db/client.ts';
import type { Job } from '../../generated/prisma/client.ts';
import type { InputJsonValue } from '../../generated/prisma/internal/prismaNamespace.ts';

const MAX_ATTEMPTS = 3;
const CLAIM_LOCK = 72_707_370;

export async function enqueue(db: Db, kind: string, payload: InputJsonValue, createdBy: string | null): Promise<Job> {
  return db.job.create({ data: { kind, payload, createdBy } });
}

/** kind -> lane name, for the kinds that share a lane with others */
export type JobLanes = Readonly<Record<string, string>>;

/** Claims the oldest queued job of the given kinds whose lane has none running, or returns null. */
export async function claimNext(db: Db, workerId: string, kinds: readonly string[], lanes: JobLanes = {}): Promise<Job | null> {
  const laneKinds = [...new Set([...kinds, ...Object.keys(lanes)])];
  const laneNames = laneKinds.map((k) => lanes[k] ?? `kind:${k}`);
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CLAIM_LOCK})`;
    const rows = await tx.$queryRaw<{ id: string }[]>`
      WITH lane AS (SELECT * FROM unnest(${laneKinds}::text[], ${laneNames}::text[]) AS l(kind, name))
      UPDATE jobs SET status = 'RUNNING', locked_by = ${workerId}, started_at = now(), heartbeat_at = now(), attempts = attempts + 1
      WHERE id = (
        SELECT q.id FROM jobs q
        WHERE q.status = 'QUEUED' AND q.run_after <= now() AND q.kind = ANY(${[...kinds]}::text[])
          AND NOT EXISTS (
            SELECT 1 FROM jobs r
            WHERE r.status = 'RUNNING'
              AND COALESCE((SELECT name FROM lane WHERE lane.kind = r.kind), 'kind:' || r.kind)
                = COALESCE((SELECT name FROM lane WHERE lane.kind = q.kind), 'kind:' || q.kind))
        ORDER BY q.created_at, q.id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
      RETURNING id`;
    return rows[0] ? tx.job.findUnique({ where: { id: rows[0].id } }) : null;
  });
}

/** Progress and heartbeat in one write; false when the job is no longer ours (requeued after a stall). */
export async function heartbeat(db: Db, id: string, workerId: string, progress?: number): Promise<boolean> {
  const r = await db.job.updateMany({
    where: { id, status: 'RUNNING', lockedBy: workerId },
    data: { heartbeatAt: new Date(), ...(progress !== undefined ? { progress } : {}) },
  });
  return r.count === 1;
}

/** Marks the job done with its summary (a handler that already recorded success in its own transaction keeps it). */
export async function complete(db: Db, id: string, workerId: string, result: Record<string, unknown> | null): Promise<void> {
  await db.job.updateMany({
    where: { id, lockedBy: workerId, status: { in: ['RUNNING', 'SUCCEEDED'] } },
    data: { status: 'SUCCEEDED', progress: 1, finishedAt: new Date(), lockedBy: null, ...(result ? { result: result as InputJsonValue } : {}) },
  });
}

export async function fail(db: Db, id: string, workerId: string, error: string): Promise<void> {
  await db.job.updateMany({
    where: { id, status: 'RUNNING', lockedBy: workerId },
    data: { status: 'FAILED', error: error.slice(0, 4_000), finishedAt: new Date(), lockedBy: null },
  });
}

/** Puts a job we hold back in the queue (graceful shutdown): another worker resumes it at once. */
export async function release(db: Db, id: string, workerId: string): Promise<void> {
  await db.job.updateMany({
    where: { id, status: 'RUNNING', lockedBy: workerId },
    data: { status: 'QUEUED', lockedBy: null, progress: 0, attempts: { decrement: 1 } },
  });
}

/** Jobs whose worker went silent: back to the queue, or failed after MAX_ATTEMPTS. Returns how many moved. */
export async function recoverStalled(db: Db, staleAfterMs: number): Promise<number> {
  const cutoff = new Date(Date.now() - staleAfterMs);
  const failed = await db.job.updateMany({
    where: { status: 'RUNNING', heartbeatAt: { lt: cutoff }, attempts: { gte: MAX_ATTEMPTS } },
    data: { status: 'FAILED', error: `the worker stopped responding ${MAX_ATTEMPTS} times`, finishedAt: new Date(), lockedBy: null },
  });
  const requeued = await db.job.updateMany({
    where: { status: 'RUNNING', heartbeatAt: { lt: cutoff } },
    data: { status: 'QUEUED', lockedBy: null, progress: 0 },
  });
  return failed.count + requeued.count;
}

/** Jobs by id. */
export const findJobs = (db: Db, ids: readonly string[]) => db.job.findMany({ where: { id: { in: [...ids] } } });

/** Jobs of one kind, or of every kind starting with a prefix, newest first. */
export function listJobs(db: Db, filter: { kind: string } | { kindPrefix: string }, first: number): Promise<Job[]> {
  const kind = 'kind' in filter ? filter.kind : { startsWith: filter.kindPrefix };
  return db.job.findMany({ where: { kind }, orderBy: { createdAt: 'desc' }, take: first });
}

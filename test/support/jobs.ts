// Waiting for a background job in a test: jobs run in the test server's own job runner (polled every 50 ms).
import type { Db } from '../../src/db/client.ts';
import type { Job } from '../../src/generated/prisma/client.ts';

/** Polls the job until it has SUCCEEDED or FAILED and returns it; the limit only ends a hung test with a message. */
export async function waitForJob(db: Db, id: string, limitMs = 60_000): Promise<Job> {
  const until = Date.now() + limitMs;
  for (;;) {
    const job = await db.job.findUnique({ where: { id } });
    if (!job) throw new Error(`job ${id} does not exist`);
    if (job.status === 'SUCCEEDED' || job.status === 'FAILED') return job;
    if (Date.now() > until) throw new Error(`job ${id} (${job.kind}) still ${job.status} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

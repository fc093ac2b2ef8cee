// The rescore job (RESCORE_TOPICS_JOB), queued with a text model version whose topic ids differ from the previous
// version's: every review with text is scored again with that version's topics and each user's topic sums are rebuilt
// from their reviews, so profiles.topic_sums names the version's topics.
//
// User by user, in pages of PAGE users, each page one transaction: the profiles are locked first (in user id order,
// as ingest locks them), then the users' reviews are read, scored, written back with the version, and the sums
// rebuilt from all of them. An ingest that writes one of these users' reviews either committed before the lock (its
// review is read here) or waits for it and adds its own review's shares to the rebuilt sums: a user's sums stay the sum
// of the shares stored on their reviews. A review written meanwhile by a process still holding the older version (it
// looks for a newer one every PORTRAIT_TEXT_MODEL_REFRESH_MS) is found by a sweep queued to run twice that interval
// after the pass (a job of its own, so the runner is not held while it waits; a sweep that finds some queues one more,
// up to SWEEPS). A newer version supersedes the job (its own job does the work). Restarted, the job starts over and
// skips users whose reviews are all scored by its version.
import { z } from 'zod';
import { forLongStatements, type Db } from '../../db/client.ts';
import { fromPrisma, type Sql } from '../../db/sql.ts';
import type { Logger } from '../../logger.ts';
import type { JobHandler } from '../jobs/job-runner.ts';
import { lockForUpdate, writeFields } from '../profiles/profile-store.ts';
import { TopicModel } from '../../text/topics.ts';
import { topicsOfText } from './review-text.ts';
import { latestTextModelVersion, RESCORE_TOPICS_JOB } from './text-models.ts';

const PAGE = 500;
const SWEEPS = 3;
const SLICE_MS = 20;

/** `sweep` 0: the pass over every user; 1..SWEEPS: the late reviews' sweeps. */
const Payload = z.object({ version: z.number().int().min(1), sweep: z.number().int().min(0).max(SWEEPS).default(0) });

interface RescoreDeps {
  db: Db;
  logger: Pick<Logger, 'info'>;
  /** PORTRAIT_TEXT_MODEL_REFRESH_MS: how stale another process's text model can be */
  refreshMs: number;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Queues the next sweep for late reviews, to run once every process has had time to load the version. */
async function queueSweep(deps: RescoreDeps, version: number, sweep: number): Promise<void> {
  await deps.db.job.upsert({
    where: { dedupeKey: `${RESCORE_TOPICS_JOB}@${version}#${sweep}` },
    create: {
      kind: RESCORE_TOPICS_JOB, payload: { version, sweep }, dedupeKey: `${RESCORE_TOPICS_JOB}@${version}#${sweep}`,
      createdBy: 'text model', runAfter: new Date(Date.now() + 2 * deps.refreshMs),
    },
    update: {},
  });
}

/** Scores the users' reviews with the topics and rebuilds their sums, in one transaction. Returns the reviews scored. */
async function rescoreUsers(db: Db, userIds: readonly string[], topics: TopicModel, version: number): Promise<number> {
  // a job: bound by the job statement timeout, not the request one
  return forLongStatements(db).$transaction(
    async (tx) => {
      const sql = fromPrisma(tx);
      const locked = await lockForUpdate(sql, userIds);
      const reviews = await sql.query<{ eventId: string; userId: string; text: string; topicVersion: number | null }>(
        `SELECT event_id AS "eventId", user_id AS "userId", text, topic_version AS "topicVersion" FROM events
         WHERE user_id = ANY($1::text[]) AND type = 'REVIEW' AND text IS NOT NULL AND btrim(text) <> ''`,
        [userIds],
      );
      // users whose reviews are all scored by this version already are left alone
      const stale = new Set(reviews.filter((r) => r.topicVersion !== version).map((r) => r.userId));
      if (stale.size === 0) return 0;
      const sums = new Map<string, Record<string, number>>([...stale].map((u) => [u, {}]));
      const rows: { u: string; e: string; k: Record<string, number> }[] = [];
      let sliceStart = performance.now();
      for (const r of reviews) {
        if (!stale.has(r.userId)) continue;
        const shares = topicsOfText(r.text, topics);
        rows.push({ u: r.userId, e: r.eventId, k: shares });
        const sum = sums.get(r.userId)!;
        for (const [id, share] of Object.entries(shares)) sum[id] = (sum[id] ?? 0) + share;
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToLoop();
          sliceStart = performance.now();
        }
      }
      await sql.query(
        `UPDATE events e SET topics = x.k, topic_version = $2
         FROM json_to_recordset($1::json) AS x(u text, e text, k jsonb) WHERE e.user_id = x.u AND e.event_id = x.e`,
        [JSON.stringify(rows), version],
      );
      await writeFields(
        sql,
        ['topicSums'],
        locked.filter((l) => stale.has(l.profile.userId)).map((l) => ({ userId: l.profile.userId, topicSums: sums.get(l.profile.userId)! })),
      );
      return rows.length;
    },
    { timeout: 120_000, maxWait: 30_000 },
  );
}

async function superseded(sql: Sql, version: number): Promise<number | null> {
  const latest = await latestTextModelVersion(sql);
  return latest > version ? latest : null;
}

export function rescoreTopicsHandler(deps: RescoreDeps): JobHandler {
  return async (ctx) => {
    const { version, sweep } = Payload.parse(ctx.job.payload);
    const sql = fromPrisma(deps.db);
    const [row] = await sql.query<{ topics: unknown }>('SELECT topics FROM text_models WHERE version = $1', [version]);
    if (!row) return { outcome: `text model version ${version} does not exist` };
    const newer = await superseded(sql, version);
    if (newer !== null) return { outcome: `superseded by text model version ${newer}` };
    const topics = TopicModel.fromJSON(row.topics);
    if (sweep > 0) {
      // reviews scored meanwhile by processes that still held an older version
      const stale = await sql.query<{ userId: string }>(
        `SELECT DISTINCT user_id AS "userId" FROM events
         WHERE type = 'REVIEW' AND text IS NOT NULL AND btrim(text) <> '' AND topic_version IS DISTINCT FROM $1 ORDER BY 1`,
        [version],
      );
      let late = 0;
      for (let i = 0; i < stale.length; i += PAGE) {
        ctx.signal.throwIfAborted();
        late += await rescoreUsers(deps.db, stale.slice(i, i + PAGE).map((s) => s.userId), topics, version);
      }
      if (late > 0 && sweep < SWEEPS) await queueSweep(deps, version, sweep + 1);
      deps.logger.info({ version, sweep, late }, 'late reviews re-scored with the new topics');
      return { outcome: `sweep ${sweep}: re-scored ${late} late reviews of ${stale.length} users with text model version ${version}`, rows: late };
    }
    const total = (await sql.query<{ total: number }>('SELECT count(*)::int AS total FROM profiles WHERE text_reviews > 0'))[0]?.total ?? 0;
    let users = 0;
    let reviews = 0;
    let after = '';
    for (;;) {
      ctx.signal.throwIfAborted();
      const newer = await superseded(sql, version);
      if (newer !== null) return { outcome: `superseded by text model version ${newer}`, users, reviews };
      const page = await sql.query<{ userId: string }>(
        'SELECT user_id AS "userId" FROM profiles WHERE text_reviews > 0 AND user_id > $1 ORDER BY user_id LIMIT $2',
        [after, PAGE],
      );
      if (page.length === 0) break;
      reviews += await rescoreUsers(deps.db, page.map((p) => p.userId), topics, version);
      users += page.length;
      after = page.at(-1)!.userId;
      await ctx.progress(total > 0 ? (0.99 * users) / total : 0.99);
    }
    await queueSweep(deps, version, 1);
    deps.logger.info({ version, users, reviews }, 'reviews re-scored with the new topics');
    return { outcome: `re-scored ${reviews} reviews of ${users} users with text model version ${version}; a sweep for late ones follows`, rows: reviews };
  };
}

// The embedding backfill: fills the embeddings of reviews that ingest left PENDING (an embeddings endpoint is
// configured: ingest never waits for it) and re-embeds reviews of another embedding space after the operator changed
// the model. The queue is the events table itself, so it is as durable as the reviews:
//   claim    one statement: up to `batch` PENDING reviews due now (events_embedding_pending_idx), FOR UPDATE SKIP
//            LOCKED so any number of workers share the work, leased by moving embed_after past the call's time (a
//            killed worker's reviews come due again when the lease ends)
//   embed    one call to the provider, outside any transaction
//   write    ONE transaction per batch: the reviews still PENDING (another worker may have done them after a lease
//            ran out) get their vectors and DONE, and their users' profile sums grow by them (profile store), with
//            the users re-placed in the active model and their audiences re-evaluated, as ingest does.
// Failures: a transient one (unreachable, timeout, 429, 5xx: EmbeddingsError.transient) postpones the batch with a
// backoff and costs the reviews nothing, so a provider down for an hour loses no review. An unusable answer for a
// batch is asked again review by review, so one review the endpoint cannot embed does not hold back the others; such a
// review counts an attempt, waits a backoff, and after MAX_ATTEMPTS is FAILED with the reason (embedding_error).
//
// The embedding space rule: a profile's embedding sum is in one space (profiles.embedding_space). A batch of another
// space restarts the sum from zeros and sends the user's other reviews back to PENDING (they are embedded anew in
// the current space), and at start the backfill sends every review of another space back (in keyset pages), so after a
// model change every sum is rebuilt in the new space; meanwhile the profile counts those reviews as pending.
import type pg from 'pg';
import type { Logger } from '../../logger.ts';
import { fromPool, pgTransaction, type Sql } from '../../db/sql.ts';
import { withRetry } from '../../db/retry.ts';
import { PollLoop } from '../../lib/poll-loop.ts';
import { addPendingEmbeddings, lockForUpdate, writeFields } from '../profiles/profile-store.ts';
import { addEmbeddings } from '../profiles/aggregates.ts';
import type { Placement } from '../profiles/placement.ts';
import type { ProfilesChanged } from '../profiles/profiles-changed.ts';
import { EmbeddingsError, spaceOf, type EmbeddingsProvider } from './embeddings-provider.ts';

/** Unusable answers for one review before it is FAILED. */
export const MAX_ATTEMPTS = 5;
/** Reviews sent back to PENDING per statement when the space changed. */
const REQUEUE_PAGE = 5_000;

export interface BackfillOptions {
  placement?: Placement;
  profilesChanged?: ProfilesChanged;
  now?: () => Date;
  /** how often an idle backfill looks for due reviews (default 1 s) */
  pollMs?: number;
  /**
   * how long claimed reviews are ours (default 5 min): longer than a provider call with its retries; a worker killed
   * mid-batch delays its reviews by at most this
   */
  leaseMs?: number;
  /** the first postponement after a failure; doubles per failure in a row, up to maxRetryMs (default 1 s, 60 s) */
  retryMs?: number;
  maxRetryMs?: number;
}

/** What one round did. */
export interface BackfillRound {
  claimed: number;
  embedded: number;
  /** reviews put off after a transient failure */
  postponed: number;
  /** reviews that counted an attempt (an unusable answer), FAILED ones among them */
  attempted: number;
  failed: number;
}

interface Claimed {
  eventId: string;
  userId: string;
  text: string;
}

const CLAIM = `
  WITH due AS (
    SELECT user_id, event_id FROM events
    WHERE embedding_status = 'PENDING' AND embed_after <= now()
    ORDER BY embed_after, user_id, event_id LIMIT $1::int
    FOR UPDATE SKIP LOCKED)
  UPDATE events e SET embed_after = now() + make_interval(secs => $2::float8 / 1000)
  FROM due WHERE e.user_id = due.user_id AND e.event_id = due.event_id
  RETURNING e.event_id AS "eventId", e.user_id AS "userId", COALESCE(e.text, '') AS text`;

// Reviews are named by their key, (user_id, event_id): an eventId is unique per user only (docs/scaling.md).
const POSTPONE = `
  UPDATE events e SET embed_after = now() + make_interval(secs => $2::float8 / 1000)
  FROM unnest($1::text[], $3::text[]) AS k(u, e)
  WHERE e.user_id = k.u AND e.event_id = k.e AND e.embedding_status = 'PENDING'`;

const ATTEMPT = `
  UPDATE events SET
    embedding_attempts = embedding_attempts + 1,
    embedding_error = $2::text,
    embedding_status = CASE WHEN embedding_attempts + 1 >= $3::int THEN 'FAILED' ELSE 'PENDING' END::"EmbeddingStatus",
    embed_after = CASE WHEN embedding_attempts + 1 >= $3::int THEN NULL
                       ELSE now() + make_interval(secs => $4::float8 * power(2, embedding_attempts) / 1000) END
  WHERE user_id = $5::text AND event_id = $1::text AND embedding_status = 'PENDING'
  RETURNING user_id AS "userId", embedding_status::text AS status`;

const WRITE_EVENTS = `
  UPDATE events e SET embedding = x.v, embedding_status = 'DONE', embedding_space = $2::text,
         embedding_error = NULL, embed_after = NULL
  FROM json_to_recordset($1::json) AS x(u text, e text, v real[])
  WHERE e.user_id = x.u AND e.event_id = x.e`;

/** The users' reviews of another space (already DONE) go back to PENDING; returns how many per user. */
const REQUEUE_USERS = `
  WITH moved AS (
    UPDATE events SET embedding_status = 'PENDING', embed_after = now(), embedding_attempts = 0, embedding_error = NULL
    WHERE user_id = ANY($1::text[]) AND embedding_status = 'DONE' AND embedding_space IS DISTINCT FROM $2::text
    RETURNING user_id)
  SELECT user_id AS "userId", count(*)::int AS n FROM moved GROUP BY user_id`;

export class EmbeddingBackfill {
  private readonly loop: PollLoop;
  private abort = new AbortController();
  private requeued = false;
  private failuresInARow = 0;
  private readonly leaseMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly pool: pg.Pool,
    readonly provider: EmbeddingsProvider,
    private readonly logger: Logger,
    private readonly opts: BackfillOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 5 * 60_000;
    this.retryMs = opts.retryMs ?? 1_000;
    this.maxRetryMs = opts.maxRetryMs ?? 60_000;
    this.now = opts.now ?? (() => new Date());
    this.loop = new PollLoop(() => this.round(), opts.pollMs ?? 1_000, (err) => this.logger.error({ err }, 'embedding backfill error'));
  }

  start(): void {
    this.abort = new AbortController();
    this.loop.start();
  }

  /** Looks for due reviews now (e.g. right after an ingest left some pending). */
  poke(): void {
    this.loop.poke();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop.stop();
  }

  /** The loop's round: the requeue of other spaces once, then a batch; true when a full batch went through. */
  private async round(): Promise<boolean> {
    if (!this.requeued) {
      const n = await this.requeueOtherSpaces();
      this.requeued = true;
      if (n) this.logger.info({ reviews: n, model: this.provider.model }, 'reviews of another embedding space queued to be embedded again');
    }
    const round = await this.runOnce(this.abort.signal);
    return round.claimed === this.provider.batch && round.postponed === 0;
  }

  /** One round: claim a batch, embed it, write it. */
  async runOnce(signal?: AbortSignal): Promise<BackfillRound> {
    const round: BackfillRound = { claimed: 0, embedded: 0, postponed: 0, attempted: 0, failed: 0 };
    const { rows } = await this.pool.query<Claimed>(CLAIM, [this.provider.batch, this.leaseMs]);
    round.claimed = rows.length;
    if (rows.length === 0) return round;
    try {
      const vectors = await this.provider.embed(rows.map((r) => r.text), signal);
      round.embedded += await this.write(rows, vectors);
      this.failuresInARow = 0;
    } catch (err) {
      if (signal?.aborted) {
        // shutting down: the reviews come due again at once for the next worker
        await this.pool.query(POSTPONE, [rows.map((r) => r.userId), 0, rows.map((r) => r.eventId)]);
        throw err;
      }
      if (!(err instanceof EmbeddingsError)) throw err;
      if (err.transient) {
        const wait = Math.min(this.maxRetryMs, this.retryMs * 2 ** this.failuresInARow++);
        await this.pool.query(POSTPONE, [rows.map((r) => r.userId), wait, rows.map((r) => r.eventId)]);
        round.postponed = rows.length;
        this.logger.warn({ reviews: rows.length, retryInMs: wait, problem: err.message, detail: err.detail }, 'embeddings endpoint unavailable: reviews stay pending');
      } else if (rows.length > 1) {
        // which review is the endpoint unable to embed? Each on its own, so the others go through.
        this.logger.warn({ reviews: rows.length, problem: err.message, detail: err.detail }, 'embeddings endpoint gave an unusable answer: asking review by review');
        for (const row of rows) {
          try {
            round.embedded += await this.write([row], await this.provider.embed([row.text], signal));
          } catch (one) {
            if (!(one instanceof EmbeddingsError) || signal?.aborted) throw one;
            if (one.transient) {
              await this.pool.query(POSTPONE, [[row.userId], this.retryMs, [row.eventId]]);
              round.postponed++;
            } else if (await this.recordAttempt(row, one.message)) round.failed++;
            else round.attempted++;
          }
        }
      } else if (await this.recordAttempt(rows[0]!, err.message)) round.failed++;
      else round.attempted++;
    }
    return round;
  }

  /** Counts an unusable answer against one review; true when that made it FAILED. */
  private async recordAttempt(row: Claimed, problem: string): Promise<boolean> {
    return pgTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ userId: string; status: string }>(ATTEMPT, [row.eventId, problem.slice(0, 500), MAX_ATTEMPTS, this.retryMs, row.userId]);
      const failed = rows[0]?.status === 'FAILED';
      if (failed) {
        await addPendingEmbeddings(fromPool(client), [row.userId], [-1]);
        this.logger.warn({ eventId: row.eventId, problem }, 'review embedding failed for good');
      }
      return failed;
    });
  }

  /** Writes a batch's vectors and adds them to the users' sums, in one transaction; returns the reviews written. */
  private write(rows: readonly Claimed[], vectors: readonly number[][]): Promise<number> {
    const space = spaceOf(this.provider.model, vectors[0]!.length);
    const now = this.now();
    return withRetry(() =>
      pgTransaction(this.pool, async (client) => {
        const sql = fromPool(client);
        // still ours: another worker may have embedded them after our lease ran out
        const pending = await sql.query<{ userId: string; eventId: string }>(
          `SELECT e.user_id AS "userId", e.event_id AS "eventId" FROM events e
           JOIN unnest($1::text[], $2::text[]) AS k(u, e) ON e.user_id = k.u AND e.event_id = k.e
           WHERE e.embedding_status = 'PENDING' ORDER BY e.user_id, e.event_id FOR UPDATE OF e`,
          [rows.map((r) => r.userId), rows.map((r) => r.eventId)],
        );
        const key = (userId: string, eventId: string) => JSON.stringify([userId, eventId]);
        const mine = new Set(pending.map((p) => key(p.userId, p.eventId)));
        const byUser = new Map<string, number[][]>();
        const written: { u: string; e: string; v: number[] }[] = [];
        rows.forEach((r, i) => {
          if (!mine.has(key(r.userId, r.eventId))) return;
          written.push({ u: r.userId, e: r.eventId, v: vectors[i]! });
          const list = byUser.get(r.userId);
          if (list) list.push(vectors[i]!);
          else byUser.set(r.userId, [vectors[i]!]);
        });
        if (written.length === 0) return 0;
        await sql.query(WRITE_EVENTS, [JSON.stringify(written), space]);
        const userIds = [...byUser.keys()].sort();
        const placer = (await this.opts.placement?.(sql)) ?? null;
        const locked = await lockForUpdate(sql, userIds);
        const restarted: string[] = [];
        for (const { profile } of locked) {
          const vs = byUser.get(profile.userId)!;
          if (addEmbeddings(profile, space, vs)) restarted.push(profile.userId);
          profile.pendingEmbeddings -= vs.length;
        }
        if (restarted.length) {
          const moved = new Map((await sql.query<{ userId: string; n: number }>(REQUEUE_USERS, [restarted, space])).map((m) => [m.userId, m.n]));
          for (const { profile } of locked) profile.pendingEmbeddings += moved.get(profile.userId) ?? 0;
        }
        await writeFields(
          sql,
          ['embeddingSum', 'embeddingSpace', 'embeddedReviews', 'pendingEmbeddings'],
          locked.map((r) => r.profile),
          placer?.place(locked),
        );
        await this.opts.profilesChanged?.(sql, userIds, now);
        return written.length;
      }),
    );
  }

  /**
   * Sends every review embedded in another space back to PENDING (keyset pages of REQUEUE_PAGE, one transaction
   * each, with the users' pending counts): the operator changed the model. With the dimension not configured, any
   * dimension of the configured model is its space. Returns how many.
   */
  async requeueOtherSpaces(): Promise<number> {
    const { model, dimension } = this.provider;
    const inOtherSpace = (placeholder: string) =>
      dimension !== null ? `embedding_space IS DISTINCT FROM ${placeholder}::text` : `NOT starts_with(COALESCE(embedding_space, ''), ${placeholder}::text)`;
    const other = inOtherSpace('$2');
    const target = dimension !== null ? spaceOf(model, dimension) : `${model}#`;
    // A profile's embedding sum records the space of the DONE reviews it sums (addEmbeddings restarts a sum, and requeues
    // its reviews, when a vector of another space arrives), so the profiles say at once whether any review is in
    // another space: the usual answer, no, then costs no scan of every event.
    const [stale] = await this.pool.query<{ one: number }>(
      `SELECT 1 AS one FROM profiles WHERE embedded_reviews > 0 AND ${inOtherSpace('$1')} LIMIT 1`,
      [target],
    ).then((r) => r.rows);
    if (!stale) return 0;
    // keyset over the events' key (user_id, event_id)
    let after: [string, string] = ['', ''];
    let total = 0;
    for (;;) {
      const page = await pgTransaction(this.pool, async (client) => {
        const sql: Sql = fromPool(client);
        const counts = await sql.query<{ userId: string; n: number; lastUser: string; lastEvent: string }>(
          `WITH page AS (
             SELECT user_id, event_id FROM events
             WHERE (user_id, event_id) > ($1::text, $4::text) AND embedding_status = 'DONE' AND ${other}
             ORDER BY user_id, event_id LIMIT $3::int FOR UPDATE SKIP LOCKED),
           last AS (SELECT user_id, event_id FROM page ORDER BY user_id DESC, event_id DESC LIMIT 1),
           moved AS (
             UPDATE events e SET embedding_status = 'PENDING', embed_after = now(), embedding_attempts = 0, embedding_error = NULL
             FROM page WHERE e.user_id = page.user_id AND e.event_id = page.event_id
             RETURNING e.user_id)
           SELECT user_id AS "userId", count(*)::int AS n,
                  (SELECT user_id FROM last) AS "lastUser", (SELECT event_id FROM last) AS "lastEvent"
           FROM moved GROUP BY user_id ORDER BY user_id`,
          [after[0], target, REQUEUE_PAGE, after[1]],
        );
        await addPendingEmbeddings(sql, counts.map((c) => c.userId), counts.map((c) => c.n));
        const last: [string, string] | null = counts[0] ? [counts[0].lastUser, counts[0].lastEvent] : null;
        return { moved: counts.reduce((s, c) => s + c.n, 0), last };
      });
      total += page.moved;
      if (page.moved < REQUEUE_PAGE || page.last === null) return total;
      after = page.last;
    }
  }
}

// ingestEvents: validate each item, drop duplicates, analyse each REVIEW's text and rating (language, sentiment,
// topics, embedding: src/modules/text/review-text.ts, before the transaction opens), and write the new events with
// their profile updates (the text sums among them) in one short transaction, one statement per table per batch.
//
// Data access here is node-postgres (a PoolClient of the pool Prisma's adapter uses, src/db/sql.ts), not Prisma: a
// deliberate, measured exception to "Prisma for data access", for this hot write path only. In-process, batches of
// 1,000: 22.6k-30.2k events/s on node-postgres against 15.8k-20.7k for the same statements in a Prisma interactive
// transaction, with half the Node CPU. Through GraphQL (bench/ingest.bench.ts, paired runs on one machine) this file's
// current form gives 1.3-1.6x the events/s of the Prisma version (e.g. 30.2k vs 23.2k) with ~35% less service CPU.
//
// Statements per batch (test/integration/ingest-round-trips.test.ts counts them), in an order that keeps the profile
// row locks, which serialise every batch that shares a user, as short as possible:
//   BEGIN
//   INSERT events, and in the same statement the users (with their profiles) of the events that went in: a plain
//     INSERT, as nearly every batch holds no stored event. Should one be stored (a re-sent batch, or a concurrent copy
//     that commits first), the INSERT fails on the events key, the transaction is rolled back, and the batch runs
//     again (BEGIN, INSERT ... ON CONFLICT DO NOTHING, and so on) skipping the stored events (a replayed batch creates
//     nothing). Why: ON CONFLICT costs every row a speculative insertion (a probe of the key before the insert, a
//     confirm after). Batches of 1,000 new bench events into copies of the tables holding 100k events, one connection,
//     with and without ON CONFLICT alternating (medians of 80 batches, three runs on a shared machine): this whole
//     statement 22.5-23.0 ms with it, 18.7-19.1 ms without, the backend's CPU 20.6-21.8 against 16.1-17.1 ms (the
//     INSERT alone, an earlier experiment: 13.6 against 10.8 ms). A refused batch pays for its refused attempt: +4-5 ms
//     for a full replay (the INSERT fails at its first row, but PostgreSQL has read the batch's arrays by then), up to
//     +18-21 ms when its stored events come last (the rows before them written, then left dead for vacuum): the price
//     of a replay, against ~4 ms off every other batch. And PostgreSQL logs each refusal as an ERROR (unique
//     violation) whose DETAIL names the user id and event id: README *Operations* says so, and that
//     log_error_verbosity = terse leaves the key out. Tried and left: skipping stored events by a probe in the INSERT
//     (NOT EXISTS on the key): planned as a hash anti join, it read the whole events table per batch (72 ms at 100k
//     events, with stale statistics); as a correlated subquery (an index probe per row) it saved only 1.3-1.5 ms of
//     ON CONFLICT's ~21 ms where the plain INSERT saves ~4.5 (same experiment, two runs of 90 batches).
//   lock the batch's other users against deletion: FOR KEY SHARE, one row per user
//   share-lock the active model against activation (placement: one indexed lookup), then lock the profiles (the
//     profile store returns them with what placement needs)
//   apply the events and place each user in memory
//   one UPDATE of the profiles: totals, interest state and segment together
//   (only with late events or session ends without a duration: recount their sessions from the log, re-place those users)
//   re-evaluate the users' audiences (one statement, src/modules/audiences/membership.ts)
//   COMMIT
// events.user_id has no foreign key (prisma/migrations/20261127174000_events_user_delete_trigger): its check took a lock
// on the user for every event, where the lock statement above takes one per user. A trigger on users deletes a
// deleted user's events, as the cascade did.
import type pg from 'pg';
import { z } from 'zod';
import type { EventInput } from '../../generated/graphql.ts';
import { withRetry } from '../../db/retry.ts';
import { numberArray, textArray } from '../../db/array-literals.ts';
import { float8ArrayBinary, int4ArrayBinary, textArrayBinary } from '../../db/binary-arrays.ts';
import { fromPool, pgTransaction } from '../../db/sql.ts';
import { badInput } from '../../errors.ts';
import { AGGREGATE_FIELDS, applyEvents, SESSION_GAP_MS, TEXT_AGGREGATE_FIELDS } from '../profiles/aggregates.ts';
import { applyCategories, readDecayState, storedDecayState } from '../profiles/category-weights.ts';
import type { InterestTagsConfig, MoneyConfig } from '../../config/portrait-config.ts';
import { lockForUpdate, recountSessions, writeFields } from '../profiles/profile-store.ts';
import { writeSegments } from '../profiles/placements.ts';
import type { Placement } from '../profiles/placement.ts';
import type { ProfilesChanged } from '../profiles/profiles-changed.ts';
import { analyseReviewText, BUILT_IN_TEXT_MODEL, OFFLINE_EMBEDDING_SPACE, type ReviewText, type TextModelSnapshot } from '../text/review-text.ts';
import { isRejection, MAX_EVENTS_PER_CALL, validateEvent, type EventRejectCode, type ValidEvent } from './validate-event.ts';

interface RejectedEvent {
  index: number;
  eventId: string | null;
  code: EventRejectCode;
  message: string;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
}

interface IngestOptions {
  now?: Date;
  /** the configured categories and their daily decay (interest tags) */
  interestTags: Pick<InterestTagsConfig, 'categories' | 'dailyDecay'>;
  /** the currency: amounts finer than its decimals are rejected */
  money: MoneyConfig;
  /** Keeps the segment of every user whose profile changes current, in the same transaction (wired at src/app/). */
  placement?: Placement;
  /** Keeps what depends on the profiles (audiences) current, in the same transaction (wired at src/app/). */
  profilesChanged?: ProfilesChanged;
  /** The text model version reviews are scored with (the newest, cached: src/modules/text/text-models.ts); the built-in one without. */
  textModel?: () => Promise<TextModelSnapshot>;
  /**
   * An embeddings endpoint is configured: reviews are written with their embedding PENDING, for the backfill
   * (src/modules/text/embedding-backfill.ts), so ingest never waits for the endpoint. Otherwise ingest embeds offline.
   */
  embedLater?: boolean;
}

// The batch goes over as one array parameter per column (eventColumns), unnested into rows: PostgreSQL reads the
// arrays in a sixth of the time json_to_recordset took over the same batch as one JSON parameter (src/db/array-literals.ts),
// and binary ones without parsing them.
// The events, and the users (with their profiles) that they create: one statement. Users are inserted only for
// events that went in, and an existing user is left alone (no INSERT ... ON CONFLICT over every user of the batch: the
// unique check would wait for any concurrent batch that has updated that user's profile, the very lock wait that
// taking the profile locks last avoids). Every user has a profile, made here or by importUsers; the row is made with
// its defaults only (no column list), so the profile store's column map stays the one place that names them.
// `onStored` is what becomes of an event already stored: nothing (the statement fails on the events key), or skipped.
const insertEventsAndUsers = (onStored: '' | 'ON CONFLICT (user_id, event_id) DO NOTHING') => `
  WITH inserted AS (
    INSERT INTO events (event_id, user_id, type, occurred_at, item_id, categories, amount, duration_seconds, text, properties,
                        rating, language, sentiment, topics, embedding, topic_version, embedding_status, embedding_space, embed_after)
    SELECT x.e, x.u, x.t::"EventType", to_timestamp(x.o / 1000), x.i, x.c::text[], x.a, x.d, x.x, x.p::jsonb, x.r, x.l, x.s, x.k::jsonb, x.v::real[], x.n,
           x.m::"EmbeddingStatus", CASE WHEN x.m = 'DONE' THEN $18::text END, CASE WHEN x.m = 'PENDING' THEN now() END
    FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::numeric[], $8::float8[],
                $9::text[], $10::text[], $11::float8[], $12::text[], $13::float8[], $14::text[], $15::text[], $16::int[],
                $17::text[]) AS x(e, u, t, o, i, c, a, d, x, p, r, l, s, k, v, n, m)
    ${onStored}
    RETURNING event_id, user_id),
  new_users AS (
    -- in id order: two batches that both create the same users wait for one another instead of deadlocking
    INSERT INTO users (id) SELECT DISTINCT user_id FROM inserted ORDER BY user_id ON CONFLICT DO NOTHING RETURNING id),
  new_profiles AS (
    INSERT INTO profiles (user_id) SELECT id FROM new_users)
  SELECT 'count' AS kind, NULL AS user_id, NULL AS event_id, count(*)::int AS n FROM inserted
  UNION ALL SELECT 'user', id, NULL, NULL FROM new_users
  UNION ALL SELECT 'event', user_id, event_id, NULL FROM inserted WHERE (SELECT count(*) FROM inserted) < $19`;

/**
 * How a batch's events go in:
 * - 'all-new': a plain INSERT. Every event goes in, or the statement fails on the events key (isStoredEventConflict).
 * - 'skip-stored': INSERT ... ON CONFLICT DO NOTHING. The stored events are skipped, and the answer names those that
 *   went in.
 * The two statements differ by the ON CONFLICT clause alone, so the rows of either read the same way. Each is named:
 * prepared once per connection, so later batches skip parsing and planning it.
 */
type InsertMode = 'all-new' | 'skip-stored';

const INSERT_STATEMENTS: Record<InsertMode, { name: string; text: string }> = {
  'all-new': { name: 'ingest-insert-new-events', text: insertEventsAndUsers('') },
  'skip-stored': { name: 'ingest-insert-events', text: insertEventsAndUsers('ON CONFLICT (user_id, event_id) DO NOTHING') },
};

/** The key of events, (user_id, event_id), by the name its migration gave it (20261127142943_events_key_per_user). */
const EVENTS_KEY = 'events_pkey';
/** The fields of a node-postgres DatabaseError for a unique_violation on the events key. */
const StoredEventConflict = z.object({ code: z.literal('23505'), table: z.literal('events'), constraint: z.literal(EVENTS_KEY) });

/**
 * Whether `err` is an 'all-new' INSERT refused because one of its events is stored already: a unique_violation on the
 * events key. A unique violation on any other constraint is a fault, not a replay, and is not this.
 */
export function isStoredEventConflict(err: unknown): boolean {
  return StoredEventConflict.safeParse(err).success;
}

/**
 * A row of either INSERT statement: how many events went in; a user the statement created; and, only when some events
 * were already stored and skipped (a re-sent batch, a concurrent copy), each event that went in. Nearly every batch is
 * all new, so it answers with a count instead of 1,000 keys for the driver to parse and the service to look up.
 */
type InsertRow =
  | { kind: 'count'; user_id: null; event_id: null; n: number }
  | { kind: 'user'; user_id: string; event_id: null; n: null }
  | { kind: 'event'; user_id: string; event_id: string; n: null };

// The users that existed before the batch (those it created are its own until it commits), locked as the foreign key
// check locked them: FOR KEY SHARE conflicts only with deleting the user (or changing its id), not with other batches
// or demographics updates. A deleteUser that comes later waits for this batch, then deletes its events with the rest
// (the trigger's DELETE runs after the wait, on a new snapshot); one that committed earlier leaves its row missing here.
const LOCK_USERS = 'SELECT count(*)::int AS n FROM (SELECT 1 FROM users WHERE id = ANY($1::text[]) FOR KEY SHARE) l';

/** A user of the batch was deleted after the batch's INSERT found it: running the batch again creates it anew. */
class UserDeletedUnderBatch extends Error {}

/**
 * A set of event keys (userId, eventId), as a set of event ids per user: a Set of joined strings cost ~1.5 ms more per
 * 1,000 events (each joined string is built, then flattened to be hashed).
 */
class EventKeys {
  private readonly byUser = new Map<string, Set<string>>();

  /** Adds the key; false when it was there already. */
  add(userId: string, eventId: string): boolean {
    const ids = this.byUser.get(userId);
    if (!ids) {
      this.byUser.set(userId, new Set([eventId]));
      return true;
    }
    if (ids.has(eventId)) return false;
    ids.add(eventId);
    return true;
  }

  has(userId: string, eventId: string): boolean {
    return this.byUser.get(userId)?.has(eventId) ?? false;
  }
}

/** A valid event with its review's analysis (review-text.ts), made before the transaction opens. */
type AnalysedEvent = ValidEvent & { review: ReviewText | null };

/**
 * The batch as the INSERT's parameters $1..$17, one array per column, in PostgreSQL's binary format (the elements'
 * bytes, no quoting or parsing: src/db/binary-arrays.ts) but for amounts (a numeric literal); the enum columns go as
 * text and are cast row by row, as are categories, the embedding and the JSON values, text elements (an array of
 * arrays must be rectangular in PostgreSQL). Against literals for every column: 0.4-0.6 ms less of the service's CPU
 * per 1,000 events (building and the driver's serialising: 2.9-3.1 against 3.4-3.5 ms, 120 alternating batches, two
 * runs) and ~1.3 MB less garbage; PostgreSQL's CPU the same. A column with no value in the whole batch goes as NULL
 * rather than an array of 1,000 NULLs: a multi-argument unnest pads a missing array with nulls, and most batches have
 * no review (seven columns), no text and few amounts: ~45 KB of a ~160 KB batch that the service no longer builds and
 * sends, nor PostgreSQL parses.
 */
function eventColumns(events: readonly AnalysedEvent[]): (Buffer | string | null)[] {
  const column = <T, P>(f: (e: AnalysedEvent) => T | null, encode: (values: (T | null)[]) => P) => {
    const values = events.map(f);
    return values.some((v) => v !== null && v !== undefined) ? encode(values) : null;
  };
  const text = (f: (e: AnalysedEvent) => string | null) => column(f, textArrayBinary);
  const float8 = (f: (e: AnalysedEvent) => number | null) => column(f, float8ArrayBinary);
  return [
    text((e) => e.eventId),
    text((e) => e.userId),
    text((e) => e.type),
    // epoch milliseconds: a number is cheaper to write (no Date.toJSON) and for PostgreSQL to read than ISO text
    float8((e) => e.occurredAt.getTime()),
    text((e) => e.itemId),
    text((e) => textArray(e.categories)),
    // numeric's binary form is base-10000 digit groups: amounts go as a literal, read exactly by numeric_in
    column((e) => e.amount, numberArray),
    float8((e) => e.durationSeconds),
    text((e) => e.text),
    text((e) => e.propertiesJson),
    float8((e) => e.rating),
    text((e) => e.review?.language ?? null),
    float8((e) => e.review?.sentiment ?? null),
    text((e) => (e.review ? JSON.stringify(e.review.topics) : null)),
    text((e) => (e.review?.embedding ? numberArray(e.review.embedding) : null)),
    column((e) => e.review?.topicVersion ?? null, int4ArrayBinary),
    text((e) => e.review?.embeddingStatus ?? null),
  ];
}

/**
 * Validates and writes a batch. Not itself async: the inputs are screened first, so the writing, which awaits the
 * database, holds the valid events but not the inputs they came from (one copy of the batch fewer kept alive through
 * the transaction, and copied by every young-generation collection meanwhile).
 */
export function ingestEvents(pool: pg.Pool, inputs: readonly EventInput[], opts: IngestOptions): Promise<IngestResult> {
  if (inputs.length > MAX_EVENTS_PER_CALL) return Promise.reject(badInput('events', `at most ${MAX_EVENTS_PER_CALL} events per call, got ${inputs.length}`));
  const now = opts.now ?? new Date();
  return writeScreened(pool, screenEvents(inputs, now, opts.money), { ...opts, now });
}

interface ScreenedBatch {
  rejected: RejectedEvent[];
  /** valid, and not repeated in the batch, in batch order */
  fresh: AnalysedEvent[];
  /** repeats of an earlier event of the batch */
  duplicates: number;
}

/** Each input validated (a rejection per bad item, never a throw) and the batch's repeats counted. */
function screenEvents(inputs: readonly EventInput[], now: Date, money: MoneyConfig): ScreenedBatch {
  const rejected: RejectedEvent[] = [];
  const fresh: AnalysedEvent[] = [];
  // An eventId is unique per user (the key of events is (user_id, event_id): docs/scaling.md).
  const seen = new EventKeys();
  let duplicates = 0;
  inputs.forEach((input, index) => {
    const v = validateEvent(input, now, money);
    if (isRejection<EventRejectCode>(v)) {
      rejected.push({ index, eventId: input.eventId || null, code: v.code, message: v.message });
    } else if (!seen.add(v.userId, v.eventId)) {
      duplicates++;
    } else {
      // in place: a spread copy of every event cost more than validating it (~2.5 ms per 1,000)
      fresh.push(Object.assign(v, { review: null }));
    }
  });
  return { rejected, fresh, duplicates };
}

async function writeScreened(pool: pg.Pool, { rejected, fresh, duplicates }: ScreenedBatch, opts: IngestOptions & { now: Date }): Promise<IngestResult> {
  if (fresh.length === 0) return { accepted: 0, duplicates, rejected };
  await analyseReviews(fresh, fresh.some((e) => e.type === 'REVIEW') && opts.textModel ? await opts.textModel() : BUILT_IN_TEXT_MODEL, opts.embedLater ?? false);

  const columns = eventColumns(fresh);
  const write = (mode: InsertMode) => pgTransaction(pool, (client) => writeBatch(client, mode, fresh, columns, opts));
  // All new first (nearly every batch is). Refused for an event stored already, the transaction has been rolled back:
  // the batch runs again at once skipping the stored events, and keeps doing so if a deadlock has it retried.
  let mode: InsertMode = 'all-new';
  const attempt = async (): Promise<number> => {
    if (mode === 'all-new') {
      try {
        return await write(mode);
      } catch (err) {
        if (!isStoredEventConflict(err)) throw err;
        mode = 'skip-stored';
      }
    }
    return write(mode);
  };
  // A deleteUser that commits between this batch finding its user and locking it; run again, the batch creates the
  // user anew (as for any user's first events).
  const accepted = await withRetry(attempt, { alsoRetry: (err) => err instanceof UserDeletedUnderBatch });
  return { accepted, duplicates: duplicates + fresh.length - accepted, rejected };
}

/** Longest stretch of review analysis between two yields to the event loop. */
const ANALYSIS_SLICE_MS = 10;

/** Fills in each REVIEW's analysis, yielding to the event loop every ANALYSIS_SLICE_MS so other requests keep moving. */
async function analyseReviews(events: AnalysedEvent[], model: TextModelSnapshot, embedLater: boolean): Promise<void> {
  let sliceStart = performance.now();
  for (const e of events) {
    if (e.type !== 'REVIEW') continue;
    e.review = analyseReviewText(e.text, e.rating, model, embedLater);
    if (performance.now() - sliceStart > ANALYSIS_SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

async function writeBatch(client: pg.PoolClient, mode: InsertMode, candidates: readonly AnalysedEvent[], columns: readonly (Buffer | string | null)[], opts: IngestOptions & { now: Date }): Promise<number> {
  // Events already stored (by an earlier batch, or a concurrent one that committed first) fail an 'all-new' INSERT
  // and are skipped by a 'skip-stored' one.
  const inserted = await client.query<InsertRow>({ ...INSERT_STATEMENTS[mode], values: [...columns, OFFLINE_EMBEDDING_SPACE, candidates.length] });
  let accepted = 0;
  const created = new Set<string>();
  const insertedIds = new EventKeys();
  for (const r of inserted.rows) {
    if (r.kind === 'count') accepted = r.n;
    else if (r.kind === 'user') created.add(r.user_id);
    else insertedIds.add(r.user_id, r.event_id);
  }
  if (accepted === 0) return 0;
  const went = accepted === candidates.length ? candidates : candidates.filter((e) => insertedIds.has(e.userId, e.eventId));

  const byUser = new Map<string, AnalysedEvent[]>();
  for (const e of went) {
    const list = byUser.get(e.userId);
    if (list) list.push(e);
    else byUser.set(e.userId, [e]);
  }
  for (const list of byUser.values()) list.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  const userIds = [...byUser.keys()].sort();
  // The users before the profiles: a deleteUser locks the user, then (cascade) the profile, so taking the two in the
  // same order means the two wait for each other instead of deadlocking.
  const existing = userIds.filter((id) => !created.has(id));
  if (existing.length) {
    const n = (await client.query<{ n: number }>({ name: 'ingest-lock-users', text: LOCK_USERS, values: [existing] })).rows[0]?.n ?? 0;
    if (n !== existing.length) throw new UserDeletedUnderBatch(`${existing.length - n} of the batch's users were deleted under it`);
  }
  const sql = fromPool(client);
  // The active model before the profiles: an activation locks the model's row, then moves users, so taking the two
  // in the same order here means the two wait for each other instead of deadlocking.
  const placer = (await opts.placement?.(sql)) ?? null;
  const locked = await lockForUpdate(sql, userIds);

  const recountUsers: string[] = [];
  const updated = locked.map((row) => {
    const list = byUser.get(row.profile.userId)!;
    const { next, recount } = applyEvents(row.profile, list);
    if (recount) recountUsers.push(row.profile.userId);
    const decay = applyCategories(readDecayState(row.profile.categoryWeights, row.profile.weightsAt), list, opts.interestTags);
    return { ...row, profile: { ...next, ...storedDecayState(decay) } };
  });
  const scored = went.some((e) => e.review !== null);
  await writeFields(
    sql,
    [...AGGREGATE_FIELDS, ...(scored ? TEXT_AGGREGATE_FIELDS : []), 'categoryWeights', 'weightsAt'],
    updated.map((r) => r.profile),
    placer?.place(updated),
  );
  if (recountUsers.length) {
    // Sessions were counted in arrival order above (and ends without a duration not at all); the timeline decides
    // them now, and the users are placed again.
    const recounted = await recountSessions(sql, recountUsers, SESSION_GAP_MS);
    if (placer) await writeSegments(sql, recounted.map((r) => r.profile.userId), placer.place(recounted));
  }
  await opts.profilesChanged?.(sql, userIds, opts.now);
  return accepted;
}

// ingestEvents: validate each item, drop duplicates, and write the new events with their profile updates in one
// short transaction, one statement per table per batch.
import type { EventInput } from '../../generated/graphql.ts';
import type { Db, Tx } from '../../db/client.ts';
import { withRetry } from '../../db/retry.ts';
import { badInput } from '../../errors.ts';
import { applyEvents, type Aggregates } from '../profiles/aggregates.ts';
import { applyCategories, readDecayState } from '../profiles/category-weights.ts';
import { recountSessions } from '../profiles/recount-sessions.ts';
import { isRejection, MAX_EVENTS_PER_CALL, validateEvent, type EventRejectCode, type ValidEvent } from './validate-event.ts';

export interface RejectedEvent {
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

export interface IngestOptions {
  now?: Date;
  dailyDecay: number;
  /** Called inside the transaction with the users whose profiles changed (live segment assignment hooks in here). */
  afterProfilesChanged?: (tx: Tx, userIds: string[]) => Promise<void>;
}

interface LockedProfile extends Aggregates {
  user_id: string;
  category_weights: unknown;
  weights_at: Date | null;
}

export async function ingestEvents(db: Db, inputs: readonly EventInput[], opts: IngestOptions): Promise<IngestResult> {
  if (inputs.length > MAX_EVENTS_PER_CALL) throw badInput('events', `at most ${MAX_EVENTS_PER_CALL} events per call, got ${inputs.length}`);
  const now = opts.now ?? new Date();
  const rejected: RejectedEvent[] = [];
  const fresh: ValidEvent[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  inputs.forEach((input, index) => {
    const v = validateEvent(input, now);
    if (isRejection<EventRejectCode>(v)) {
      rejected.push({ index, eventId: input.eventId || null, code: v.code, message: v.message });
    } else if (seen.has(v.eventId)) {
      duplicates++;
    } else {
      seen.add(v.eventId);
      fresh.push(v);
    }
  });
  if (fresh.length === 0) return { accepted: 0, duplicates, rejected };

  const accepted = await withRetry(() =>
    db.$transaction((tx) => writeBatch(tx, fresh, opts), { timeout: 60_000, maxWait: 30_000 }),
  );
  return { accepted, duplicates: duplicates + fresh.length - accepted, rejected };
}

async function writeBatch(tx: Tx, candidates: ValidEvent[], opts: IngestOptions): Promise<number> {
  // Known duplicates are dropped before any user row is touched, so a replayed batch changes nothing at all.
  const known = await tx.$queryRaw<{ event_id: string }[]>`
    SELECT event_id FROM events WHERE event_id = ANY(${candidates.map((e) => e.eventId)}::text[])`;
  const knownIds = new Set(known.map((r) => r.event_id));
  const events = candidates.filter((e) => !knownIds.has(e.eventId));
  if (events.length === 0) return 0;

  // Sorted ids: concurrent batches lock users in the same order, which keeps deadlocks rare (and retried).
  const userIds = [...new Set(events.map((e) => e.userId))].sort();
  await tx.$executeRaw`INSERT INTO users (id) SELECT unnest(${userIds}::text[]) ON CONFLICT DO NOTHING`;
  await tx.$executeRaw`INSERT INTO profiles (user_id) SELECT unnest(${userIds}::text[]) ON CONFLICT DO NOTHING`;
  const locked = await tx.$queryRaw<LockedProfile[]>`
    SELECT user_id, sessions_count AS "sessionsCount", total_session_duration AS "totalSessionDuration",
           page_views AS "pageViews", total_dwell_seconds AS "totalDwellSeconds", clicks, cart_adds AS "cartAdds",
           reviews, purchase_count AS "purchaseCount", total_spent AS "totalSpent", event_count AS "eventCount",
           last_purchase_at AS "lastPurchaseAt", first_event_at AS "firstEventAt", last_event_at AS "lastEventAt",
           category_weights, weights_at
    FROM profiles WHERE user_id = ANY(${userIds}::text[]) ORDER BY user_id FOR UPDATE`;

  // A concurrent batch may have written some of these ids since the check above: ON CONFLICT skips them.
  const inserted = await tx.$queryRaw<{ event_id: string }[]>`
    INSERT INTO events (event_id, user_id, type, occurred_at, item_id, categories, amount, duration_seconds, text, properties)
    SELECT x."eventId", x."userId", x.type, x."occurredAt", x."itemId", x.categories, x.amount, x."durationSeconds", x.text, x.properties
    FROM json_to_recordset(${JSON.stringify(events)}::json) AS x(
      "eventId" text, "userId" text, type "EventType", "occurredAt" timestamptz, "itemId" text, categories text[],
      amount float8, "durationSeconds" float8, text text, properties jsonb)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id`;
  const insertedIds = new Set(inserted.map((r) => r.event_id));

  const byUser = new Map<string, ValidEvent[]>();
  for (const e of events) {
    if (!insertedIds.has(e.eventId)) continue;
    const list = byUser.get(e.userId);
    if (list) list.push(e);
    else byUser.set(e.userId, [e]);
  }

  const updates: Record<string, unknown>[] = [];
  const lateUsers: string[] = [];
  for (const row of locked) {
    const list = byUser.get(row.user_id);
    if (!list) continue;
    list.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    const { next, late } = applyEvents(row, list);
    if (late) lateUsers.push(row.user_id);
    const decay = applyCategories(readDecayState(row.category_weights, row.weights_at), list, opts.dailyDecay);
    updates.push({ ...next, userId: row.user_id, categoryWeights: { weights: decay.weights, counts: decay.counts }, weightsAt: decay.at });
  }
  if (updates.length === 0) return 0;

  await tx.$executeRaw`
    UPDATE profiles p SET
      sessions_count = x."sessionsCount", total_session_duration = x."totalSessionDuration", page_views = x."pageViews",
      total_dwell_seconds = x."totalDwellSeconds", clicks = x.clicks, cart_adds = x."cartAdds", reviews = x.reviews,
      purchase_count = x."purchaseCount", total_spent = x."totalSpent", event_count = x."eventCount",
      last_purchase_at = x."lastPurchaseAt", first_event_at = x."firstEventAt", last_event_at = x."lastEventAt",
      category_weights = x."categoryWeights", weights_at = x."weightsAt", updated_at = now()
    FROM json_to_recordset(${JSON.stringify(updates)}::json) AS x(
      "userId" text, "sessionsCount" float8, "totalSessionDuration" float8, "pageViews" float8, "totalDwellSeconds" float8,
      clicks int, "cartAdds" int, reviews int, "purchaseCount" float8, "totalSpent" float8, "eventCount" int,
      "lastPurchaseAt" timestamptz, "firstEventAt" timestamptz, "lastEventAt" timestamptz, "categoryWeights" jsonb,
      "weightsAt" timestamptz)
    WHERE p.user_id = x."userId"`;
  if (lateUsers.length) await recountSessions(tx, lateUsers);
  await opts.afterProfilesChanged?.(tx, [...byUser.keys()]);
  return insertedIds.size;
}

// User.events: a user's events, newest first (occurredAt, then eventId, both descending), keyset-paged. One query
// serves a whole batch of users (a list of users asking for their events), each with its own page size and cursor:
// a LATERAL subquery per user walks the (user_id, occurred_at) index from the cursor down.
import type { Sql } from '../../db/sql.ts';
import { badInput } from '../../errors.ts';
import { checkId } from '../users/check-text.ts';

export interface EventRow {
  eventId: string;
  userId: string;
  type: string;
  occurredAt: Date;
  receivedAt: Date;
  itemId: string | null;
  categories: string[];
  amount: number | null;
  durationSeconds: number | null;
  text: string | null;
  properties: unknown;
}

export interface EventPage {
  edges: { node: EventRow; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface Position {
  occurredAt: Date;
  eventId: string;
}

/** Opaque: base64url of "e:<occurredAt in ms>:<eventId>". */
export const encodeEventCursor = (p: Position): string => Buffer.from(`e:${p.occurredAt.getTime()}:${p.eventId}`, 'utf8').toString('base64url');

export function decodeEventCursor(cursor: string, field = 'after'): Position {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^e:(-?\d{1,16}):(.+)$/s.exec(text);
  const position = match ? { occurredAt: new Date(Number(match[1])), eventId: match[2]! } : null;
  // only cursors this API issued: they round-trip exactly and carry an id an event can have
  if (!position || Number.isNaN(position.occurredAt.getTime()) || encodeEventCursor(position) !== cursor || checkId(position.eventId, 'id') !== null) {
    throw badInput(field, 'not a cursor returned by this API');
  }
  return position;
}

export interface EventPageRequest {
  userId: string;
  first: number;
  after: Position | null;
}

const PAGE_QUERY = `
  SELECT r.i AS "request", e.event_id AS "eventId", e.user_id AS "userId", e.type::text AS "type",
         e.occurred_at AS "occurredAt", e.received_at AS "receivedAt", e.item_id AS "itemId", e.categories,
         e.amount, e.duration_seconds AS "durationSeconds", e.text, e.properties
  FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::text[]) WITH ORDINALITY AS r(user_id, lim, after_at, after_id, i)
  CROSS JOIN LATERAL (
    SELECT * FROM events e
    WHERE e.user_id = r.user_id AND (r.after_at IS NULL OR (e.occurred_at, e.event_id) < (r.after_at, r.after_id))
    ORDER BY e.occurred_at DESC, e.event_id DESC
    LIMIT r.lim + 1
  ) e
  ORDER BY r.i, e.occurred_at DESC, e.event_id DESC`;

/** One page per request, in order; one statement for all of them. */
export async function pagesOfUserEvents(sql: Sql, requests: readonly EventPageRequest[]): Promise<EventPage[]> {
  const rows = await sql.query<EventRow & { request: bigint | number }>(PAGE_QUERY, [
    requests.map((r) => r.userId),
    requests.map((r) => r.first),
    requests.map((r) => r.after?.occurredAt ?? null),
    requests.map((r) => r.after?.eventId ?? null),
  ]);
  const byRequest = requests.map((): EventRow[] => []);
  for (const { request, ...row } of rows) byRequest[Number(request) - 1]!.push(row);
  return byRequest.map((found, i) => {
    const page = found.slice(0, requests[i]!.first);
    const edges = page.map((node) => ({ node, cursor: encodeEventCursor(node) }));
    return { edges, pageInfo: { hasNextPage: found.length > page.length, endCursor: edges.at(-1)?.cursor ?? null } };
  });
}

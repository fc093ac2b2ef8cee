// Validation of one ingested event. Every rule has a stable code so clients can act on rejections.
import type { EventInput } from '../../generated/graphql.ts';
import type { EventType } from '../../generated/prisma/enums.ts';
import { normaliseCategory } from '../../config/portrait-config.ts';

export const MAX_EVENTS_PER_CALL = 10_000;
const MAX_ID_LENGTH = 128;
const MAX_TEXT_LENGTH = 5_000;
const MAX_PROPERTIES_BYTES = 8_192;
const MAX_CATEGORIES = 20;
const MAX_CATEGORY_LENGTH = 64;
/** Events may come from clocks slightly ahead of ours, but not from the far future or before 2000. */
const MAX_CLOCK_SKEW_MS = 60 * 60 * 1000;
const EARLIEST_EVENT = new Date('2000-01-01T00:00:00Z');

export type EventRejectCode =
  | 'INVALID_EVENT_ID'
  | 'INVALID_USER_ID'
  | 'INVALID_TIMESTAMP'
  | 'MISSING_AMOUNT'
  | 'INVALID_AMOUNT'
  | 'INVALID_DURATION'
  | 'INVALID_CATEGORIES'
  | 'TEXT_TOO_LONG'
  | 'PROPERTIES_TOO_LARGE'
  | 'INVALID_ITEM_ID';

export interface ValidEvent {
  eventId: string;
  userId: string;
  type: EventType;
  occurredAt: Date;
  itemId: string | null;
  categories: string[];
  amount: number | null;
  durationSeconds: number | null;
  text: string | null;
  properties: unknown;
}

export interface Rejection<C extends string> {
  code: C;
  message: string;
}

// Ids are opaque to us, but control characters in them are always a client bug.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkId(value: string, what: string): string | null {
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > MAX_ID_LENGTH) return `${what} must be at most ${MAX_ID_LENGTH} characters`;
  if (CONTROL.test(value)) return `${what} must not contain control characters`;
  return null;
}

const isNonNegative = (v: number) => Number.isFinite(v) && v >= 0;

export function validateEvent(e: EventInput, now: Date): ValidEvent | Rejection<EventRejectCode> {
  const idProblem = checkId(e.eventId, 'eventId');
  if (idProblem) return { code: 'INVALID_EVENT_ID', message: idProblem };
  const userProblem = checkId(e.userId, 'userId');
  if (userProblem) return { code: 'INVALID_USER_ID', message: userProblem };
  if (e.itemId != null) {
    const itemProblem = checkId(e.itemId, 'itemId');
    if (itemProblem) return { code: 'INVALID_ITEM_ID', message: itemProblem };
  }
  const t = e.occurredAt.getTime();
  if (Number.isNaN(t)) return { code: 'INVALID_TIMESTAMP', message: 'occurredAt is not a valid date' };
  if (t < EARLIEST_EVENT.getTime()) return { code: 'INVALID_TIMESTAMP', message: `occurredAt must not be before ${EARLIEST_EVENT.toISOString()}` };
  if (t > now.getTime() + MAX_CLOCK_SKEW_MS) return { code: 'INVALID_TIMESTAMP', message: 'occurredAt is more than an hour in the future' };
  if (e.type === 'PURCHASE' && e.amount == null) return { code: 'MISSING_AMOUNT', message: 'a PURCHASE needs an amount' };
  if (e.amount != null && !isNonNegative(e.amount)) return { code: 'INVALID_AMOUNT', message: 'amount must be a finite number >= 0' };
  if (e.durationSeconds != null && !isNonNegative(e.durationSeconds)) {
    return { code: 'INVALID_DURATION', message: 'durationSeconds must be a finite number >= 0' };
  }
  const categories = e.categories ?? [];
  if (categories.length > MAX_CATEGORIES) return { code: 'INVALID_CATEGORIES', message: `at most ${MAX_CATEGORIES} categories per event` };
  for (const c of categories) {
    if (c.trim().length === 0 || c.length > MAX_CATEGORY_LENGTH || CONTROL.test(c)) {
      return { code: 'INVALID_CATEGORIES', message: `each category must be 1-${MAX_CATEGORY_LENGTH} printable characters` };
    }
  }
  if (e.text != null && e.text.length > MAX_TEXT_LENGTH) return { code: 'TEXT_TOO_LONG', message: `text must be at most ${MAX_TEXT_LENGTH} characters` };
  if (e.properties != null && Buffer.byteLength(JSON.stringify(e.properties)) > MAX_PROPERTIES_BYTES) {
    return { code: 'PROPERTIES_TOO_LARGE', message: `properties must serialise to at most ${MAX_PROPERTIES_BYTES} bytes of JSON` };
  }
  return {
    eventId: e.eventId,
    userId: e.userId,
    type: e.type,
    occurredAt: e.occurredAt,
    itemId: e.itemId ?? null,
    categories: [...new Set(categories.map(normaliseCategory))],
    amount: e.amount ?? null,
    durationSeconds: e.durationSeconds ?? null,
    text: e.text ?? null,
    properties: e.properties ?? null,
  };
}

export const isRejection = <C extends string>(v: object): v is Rejection<C> => 'code' in v;

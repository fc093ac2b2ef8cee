// Validation of one ingested event. Every rule has a stable code so clients can act on rejections.
import type { EventInput } from '../../generated/graphql.ts';
import type { EventType } from '../../generated/prisma/enums.ts';
import { normaliseCategory, type MoneyConfig } from '../../config/portrait-config.ts';
import { hasAtMostDecimals, roundMoney } from '../../rules/money.ts';
import { MAX_AMOUNT, MAX_DURATION_SECONDS } from '../../config/input-bounds.ts';
import { checkId, checkText } from '../users/check-text.ts';
import { InvalidDateTime, InvalidJson } from './loose-fields.ts';

export const MAX_EVENTS_PER_CALL = 10_000;
const MAX_TEXT_LENGTH = 5_000;
const MAX_PROPERTIES_BYTES = 8_192;
const MAX_CATEGORIES = 20;
const MAX_CATEGORY_LENGTH = 64;
const MIN_RATING = 1;
const MAX_RATING = 5;
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
  | 'INVALID_TEXT'
  | 'INVALID_RATING'
  | 'PROPERTIES_TOO_LARGE'
  | 'INVALID_PROPERTIES'
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
  /** REVIEW only: the star rating, 1..5 */
  rating: number | null;
  /** `properties` as JSON text (null without any): serialised once, for the size check and for storing */
  propertiesJson: string | null;
}

export interface Rejection<C extends string> {
  /** the first problem's code */
  code: C;
  /** every problem of the item, in field order, separated by "; " */
  message: string;
}

/** Collects every problem of one item: a client fixes a row once, not once per problem. */
export class Problems<C extends string> {
  // made at the first problem: nearly every item has none
  private list: { code: C; message: string }[] | null = null;
  add(code: C, message: string | null): void {
    if (message !== null) (this.list ??= []).push({ code, message });
  }
  rejection(): Rejection<C> | null {
    const first = this.list?.[0];
    return first ? { code: first.code, message: this.list!.map((p) => p.message).join('; ') } : null;
  }
}

/** The categories normalised, each once, in first-seen order (an event has one or none nearly always). */
function distinctCategories(categories: readonly string[]): string[] {
  if (categories.length < 2) return categories.length ? [normaliseCategory(categories[0]!)] : [];
  return [...new Set(categories.map(normaliseCategory))];
}

/** Why an optional number is out of [0, max], or null. */
export const boundProblem = (v: number | null | undefined, what: string, max: number): string | null =>
  v == null || (Number.isFinite(v) && v >= 0 && v <= max) ? null : `${what} must be a finite number from 0 to ${max}`;

/** Why an optional amount of money is out of [0, max] or finer than the currency's decimals, or null. */
export function moneyProblem(v: number | null | undefined, what: string, max: number, money: MoneyConfig): string | null {
  const bound = boundProblem(v, what, max);
  if (bound !== null || v == null || hasAtMostDecimals(v, money.decimals)) return bound;
  return `${what} must have at most ${money.decimals} decimal${money.decimals === 1 ? '' : 's'} (${money.currency})`;
}

/** An accepted amount as stored: exactly its currency decimals (drops the binary noise of 135.60999999999999). */
export const storedAmount = (v: number | null | undefined, money: MoneyConfig): number | null =>
  v == null ? null : roundMoney(v, money.decimals);

export function validateEvent(e: EventInput, now: Date, money: MoneyConfig): ValidEvent | Rejection<EventRejectCode> {
  const problems = new Problems<EventRejectCode>();
  problems.add('INVALID_EVENT_ID', checkId(e.eventId, 'eventId'));
  problems.add('INVALID_USER_ID', checkId(e.userId, 'userId'));
  if (e.itemId != null) problems.add('INVALID_ITEM_ID', checkId(e.itemId, 'itemId'));
  const t = e.occurredAt.getTime();
  if (e.occurredAt instanceof InvalidDateTime) problems.add('INVALID_TIMESTAMP', `occurredAt ${e.occurredAt.problem}`);
  else if (Number.isNaN(t)) problems.add('INVALID_TIMESTAMP', 'occurredAt is not a valid date');
  else if (t < EARLIEST_EVENT.getTime()) problems.add('INVALID_TIMESTAMP', `occurredAt must not be before ${EARLIEST_EVENT.toISOString()}`);
  else if (t > now.getTime() + MAX_CLOCK_SKEW_MS) problems.add('INVALID_TIMESTAMP', 'occurredAt is more than an hour in the future');
  if (e.type === 'PURCHASE' && e.amount == null) problems.add('MISSING_AMOUNT', 'a PURCHASE needs an amount');
  problems.add('INVALID_AMOUNT', moneyProblem(e.amount, 'amount', MAX_AMOUNT, money));
  problems.add('INVALID_DURATION', boundProblem(e.durationSeconds, 'durationSeconds', MAX_DURATION_SECONDS));
  const categories = e.categories ?? [];
  if (categories.length > MAX_CATEGORIES) problems.add('INVALID_CATEGORIES', `at most ${MAX_CATEGORIES} categories per event`);
  else if (categories.some((c) => c.trim().length === 0 || checkId(c, 'category', MAX_CATEGORY_LENGTH) !== null)) {
    problems.add('INVALID_CATEGORIES', `each category must be 1-${MAX_CATEGORY_LENGTH} printable characters`);
  }
  if (e.text != null) {
    if (e.text.length > MAX_TEXT_LENGTH) problems.add('TEXT_TOO_LONG', `text must be at most ${MAX_TEXT_LENGTH} characters`);
    else problems.add('INVALID_TEXT', checkText(e.text, 'text'));
  }
  if (e.rating != null) {
    if (e.type !== 'REVIEW') problems.add('INVALID_RATING', 'rating is only for a REVIEW');
    else if (!(Number.isFinite(e.rating) && e.rating >= MIN_RATING && e.rating <= MAX_RATING))
      problems.add('INVALID_RATING', `rating must be a number from ${MIN_RATING} to ${MAX_RATING}`);
  }
  let propertiesJson: string | null = null;
  if (e.properties instanceof InvalidJson) problems.add('INVALID_PROPERTIES', `properties: ${e.properties.problem}`);
  else if (e.properties != null) {
    propertiesJson = JSON.stringify(e.properties);
    if (Buffer.byteLength(propertiesJson) > MAX_PROPERTIES_BYTES) {
      problems.add('PROPERTIES_TOO_LARGE', `properties must serialise to at most ${MAX_PROPERTIES_BYTES} bytes of JSON`);
    }
  }
  const rejection = problems.rejection();
  if (rejection) return rejection;
  return {
    eventId: e.eventId,
    userId: e.userId,
    type: e.type,
    occurredAt: e.occurredAt,
    itemId: e.itemId ?? null,
    categories: distinctCategories(categories),
    amount: storedAmount(e.amount, money),
    durationSeconds: e.durationSeconds ?? null,
    text: e.text ?? null,
    rating: e.rating ?? null,
    propertiesJson,
  };
}

export const isRejection = <C extends string>(v: object): v is Rejection<C> => 'code' in v;

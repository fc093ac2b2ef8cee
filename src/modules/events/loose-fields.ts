// The event fields GraphQL would otherwise coerce for the whole request (occurredAt: DateTime!, properties: JSON).
// The contract fixes their types, so their scalars cannot throw for one bad item without failing a batch of 10,000:
// instead they return a marker carrying the problem, and validateEvent turns it into that item's rejection.
// DateTime and JSON are input types of EventInput only (schema.graphql), so no other input sees a marker.
import { MAX_PROPERTIES_DEPTH } from '../../config/input-bounds.ts';
import { checkText } from '../users/check-text.ts';

/** A DateTime input that is not one: an invalid Date (so it still fits the scalar's type) that says why. */
export class InvalidDateTime extends Date {
  constructor(readonly problem: string) {
    super(Number.NaN);
  }
}

/** A JSON input that cannot be stored, and why. */
export class InvalidJson {
  constructor(readonly problem: string) {}
}

// A zone is required: a time without one (Python's naive isoformat(), say) means different instants on different
// machines, and guessing UTC would silently shift every event of a client that meant local time.
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))?$/i;

const daysIn = (year: number, month: number): number =>
  month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/** The value as a rejection message quotes it (built only for the items that are rejected). */
const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 64)) : typeof value);

/** The digit at `i` of `s` as a number, or -1. */
function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The two-digit number at `i` of `s`, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * The instant of the form nearly every client sends, `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.sssZ` (what
 * JavaScript's toISOString writes) with a year from 100, read by position; null for anything else, which the
 * regular expression then reads (or refuses) as before. For a batch of 1,000 events the expression's match arrays
 * and substrings were ~0.8 MB of garbage; test/unit/events/loose-fields.test.ts holds the two readings equal.
 */
function utcMillis(s: string): number | null {
  const n = s.length;
  if ((n !== 20 && n !== 24) || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return null;
  const t = s.charCodeAt(10);
  const z = s.charCodeAt(n - 1);
  if ((t !== 84 && t !== 116) || (z !== 90 && z !== 122)) return null;
  const hi = twoDigits(s, 0);
  const lo = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  let ms = 0;
  if (n === 24) {
    const a = digitAt(s, 20);
    const b = digitAt(s, 21);
    const c = digitAt(s, 22);
    if (s.charCodeAt(19) !== 46 || a < 0 || b < 0 || c < 0) return null;
    ms = a * 100 + b * 10 + c;
  }
  if (hi < 0 || lo < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  const year = hi * 100 + lo;
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return null;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/**
 * An ISO-8601 date-time with a zone, checked field by field: JavaScript's Date would turn 2026-02-30 into 2 March.
 * Anything else gives an InvalidDateTime (never throws).
 */
export function parseDateTime(value: unknown): Date {
  const utc = typeof value === 'string' ? utcMillis(value) : null;
  return utc === null ? readByExpression(value) : new Date(utc);
}

/** parseDateTime's general reading, by the regular expression (exported for the test that holds utcMillis to it). */
export function readByExpression(value: unknown): Date {
  const m = typeof value === 'string' ? ISO.exec(value) : null;
  if (!m) return new InvalidDateTime(`must be an ISO-8601 date-time with a zone, e.g. 2026-01-31T08:30:00Z; got ${shown(value)}`);
  if (m[8] === undefined) return new InvalidDateTime(`has no zone (add Z for UTC or an offset such as +08:00); got ${shown(value)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6] ?? 0);
  const offsetHours = Number(m[10] ?? 0);
  const offsetMinutes = Number(m[11] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return new InvalidDateTime(`is not a real date and time; got ${shown(value)}`);
  }
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  let utc: number;
  if (year >= 100) {
    utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  } else {
    // Date.UTC reads years 0-99 as 1900-1999; setUTCFullYear takes them as given
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    utc = d.setUTCHours(hour, minute, second, ms);
  }
  const offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(utc - offsetMs);
}

/**
 * `value` as it came, or an InvalidJson when it nests deeper than MAX_PROPERTIES_DEPTH or holds a string (key or value)
 * PostgreSQL's jsonb cannot store. Walks with an explicit stack: input nested 100,000 deep must not overflow ours.
 */
export function checkJson(value: unknown): unknown {
  const leaf = leafProblem(value);
  if (leaf !== null) return new InvalidJson(leaf);
  if (value === null || typeof value !== 'object') return value;
  // only objects and arrays go on the stack (strings and numbers are checked where they are met), each with its depth
  const stack: object[] = [value];
  const depths: number[] = [0];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    const depth = depths.pop()!;
    if (depth >= MAX_PROPERTIES_DEPTH) return new InvalidJson(`must nest at most ${MAX_PROPERTIES_DEPTH} levels deep`);
    const isArray = Array.isArray(v);
    const keys = isArray ? null : Object.keys(v);
    const n = isArray ? (v as unknown[]).length : keys!.length;
    for (let i = 0; i < n; i++) {
      let item: unknown;
      if (isArray) item = (v as unknown[])[i];
      else {
        const key = keys![i]!;
        const problem = checkText(key, 'a key');
        if (problem) return new InvalidJson(problem);
        item = (v as Record<string, unknown>)[key];
      }
      const problem = leafProblem(item);
      if (problem !== null) return new InvalidJson(problem);
      if (item !== null && typeof item === 'object') {
        stack.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return value;
}

/** Why a string or number cannot be stored in jsonb, or null (anything else: null). */
function leafProblem(v: unknown): string | null {
  if (typeof v === 'string') return checkText(v, 'a string');
  if (typeof v === 'number' && !Number.isFinite(v)) return 'numbers must be finite';
  return null;
}

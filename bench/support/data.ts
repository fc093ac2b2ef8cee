// Seeded, realistic behaviour events for the benchmarks: users with their own activity level, favourite categories
// and device; sessions of page views (with dwell times), clicks, cart adds, purchases and the odd review, spread over
// the days before `end` with a daily rhythm; returned in time order, as a collector would forward them.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createRng, type Rng } from '../../src/compute/random.ts';
import type { EventType } from '../../src/generated/prisma/enums.ts';
import { REPO_ROOT } from './service.ts';

/** An event as GraphQL variables carry it (EventInput, occurredAt as ISO-8601). */
export interface BenchEvent {
  eventId: string;
  userId: string;
  type: EventType;
  occurredAt: string;
  itemId?: string;
  categories?: string[];
  amount?: number;
  durationSeconds?: number;
  text?: string;
  properties?: Record<string, string | number>;
}

export interface DatasetOptions {
  events: number;
  users: number;
  seed: number;
  /** user ids are `${userPrefix}${n}`, zero-padded */
  userPrefix?: string;
  /** the latest event is at least 2 hours before this instant (default: the start of the current hour) */
  end?: Date;
  days?: number;
}

export interface Dataset {
  events: BenchEvent[];
  userIds: string[];
  /** users that received at least one event */
  activeUsers: number;
  sessions: number;
  byType: Record<string, number>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ITEMS = 5_000;
const DEVICES = ['ios', 'android', 'web', 'mini-program'] as const;
const REFERRERS = ['direct', 'search', 'ad', 'social', 'email', 'push'] as const;
const REVIEWS = ['Great product, fast delivery.', 'As described. Would buy again.', 'Packaging was damaged but the item is fine.', '质量很好，物流很快。'];
// Relative activity by hour of day (night low, lunch and evening peaks).
const HOURLY = [2, 1, 1, 1, 1, 2, 4, 6, 7, 7, 8, 9, 10, 9, 8, 8, 8, 9, 10, 12, 14, 14, 11, 6];

function categories(): string[] {
  const config = JSON.parse(readFileSync(resolve(REPO_ROOT, 'config', 'portrait.json'), 'utf8')) as { interestTags: { categories: string[] } };
  return config.interestTags.categories;
}

/** A version-4-shaped UUID from the seeded generator: client-side idempotency keys, in random order. */
function uuid(rng: Rng): string {
  const hex = (n: number) => Math.floor(rng.next() * 2 ** 32).toString(16).padStart(8, '0');
  const h = hex(0) + hex(1) + hex(2) + hex(3);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface UserModel {
  id: string;
  weight: number;
  favourites: number[];
  device: string;
  pages: number;
  buyRate: number;
  basket: number;
}

export function generateDataset(opts: DatasetOptions): Dataset {
  const rng = createRng(opts.seed);
  const cats = categories();
  const end = (opts.end ?? new Date(Math.floor(Date.now() / HOUR) * HOUR)).getTime();
  const span = (opts.days ?? 30) * DAY;
  const prefix = opts.userPrefix ?? 'u-';
  const between = (lo: number, hi: number) => lo + rng.next() * (hi - lo);

  // Users: a long tail of activity (a few heavy users, many light ones).
  const users: UserModel[] = [];
  for (let u = 0; u < opts.users; u++) {
    users.push({
      id: `${prefix}${String(u + 1).padStart(6, '0')}`,
      weight: Math.exp(between(-1.5, 1.5) + between(-1.5, 1.5)),
      favourites: Array.from({ length: 2 + rng.int(2) }, () => rng.int(cats.length)),
      device: DEVICES[rng.int(DEVICES.length)]!,
      pages: between(2, 12),
      buyRate: rng.next() < 0.3 ? between(0.2, 0.6) : between(0, 0.1),
      basket: between(20, 400),
    });
  }
  const cumulative: number[] = [];
  let total = 0;
  for (const u of users) cumulative.push((total += u.weight));
  const pickUser = (): UserModel => {
    const r = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return users[lo]!;
  };
  const hourMax = Math.max(...HOURLY);
  // The daily rhythm is laid out relative to `end` (as if `end` were midnight), so the same seed gives the same
  // events, only shifted in time, whenever it runs.
  const sessionStart = (): number => {
    for (;;) {
      const before = 2 * HOUR + rng.next() * (span - 2 * HOUR);
      const hour = 23 - (Math.floor(before / HOUR) % 24);
      if (rng.next() * hourMax < HOURLY[hour]!) return end - before;
    }
  };

  const events: BenchEvent[] = [];
  const times: number[] = [];
  const active = new Set<string>();
  const byType: Record<string, number> = {};
  let sessions = 0;
  const push = (t: number, e: Omit<BenchEvent, 'eventId' | 'occurredAt'>): boolean => {
    if (events.length >= opts.events) return false;
    const ms = Math.round(t);
    events.push({ eventId: uuid(rng), occurredAt: '', ...e });
    times.push(ms);
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    active.add(e.userId);
    return true;
  };

  // Every user gets one session first (while the budget lasts), then sessions go to users by activity weight.
  let next = 0;
  while (events.length < opts.events) {
    const user = next < users.length ? users[next++]! : pickUser();
    sessions++;
    const userId = user.id;
    const start = sessionStart();
    let t = start;
    if (!push(t, { userId, type: 'SESSION_START', properties: { device: user.device, referrer: REFERRERS[rng.int(REFERRERS.length)]! } })) break;
    const category = rng.next() < 0.8 ? user.favourites[rng.int(user.favourites.length)]! : rng.int(cats.length);
    const pages = Math.max(1, Math.round(user.pages * between(0.3, 1.7)));
    const viewed: string[] = [];
    for (let i = 0; i < pages; i++) {
      const c = rng.next() < 0.75 ? category : rng.int(cats.length);
      const item = c + cats.length * rng.int(Math.floor(ITEMS / cats.length));
      const itemId = `sku-${item}`;
      const dwell = Math.round(Math.exp(between(1.5, 5)));
      t += between(1, 5) * 1000;
      push(t, { userId, type: 'PAGE_VIEW', itemId, categories: [cats[c]!], durationSeconds: dwell });
      t += dwell * 1000;
      viewed.push(itemId);
      if (rng.next() < 0.45) push((t += between(1, 8) * 1000), { userId, type: 'CLICK', itemId, categories: [cats[c]!] });
    }
    if (rng.next() < 0.3 + user.buyRate) {
      const itemId = viewed[rng.int(viewed.length)]!;
      const cat = cats[Number(itemId.slice(4)) % cats.length]!;
      push((t += between(5, 30) * 1000), { userId, type: 'ADD_TO_CART', itemId, categories: [cat] });
      if (rng.next() < user.buyRate * 1.5) {
        const amount = Math.round(user.basket * Math.exp(between(-0.7, 0.7)) * 100) / 100;
        push((t += between(30, 180) * 1000), { userId, type: 'PURCHASE', itemId, categories: [cat], amount, properties: { currency: 'CNY', quantity: 1 + rng.int(3) } });
        if (rng.next() < 0.05) push((t += between(60, 600) * 1000), { userId, type: 'REVIEW', itemId, categories: [cat], text: REVIEWS[rng.int(REVIEWS.length)]! });
      }
    }
    push((t += 2000), { userId, type: 'SESSION_END', durationSeconds: Math.round((t - start) / 1000) });
  }

  // Time order (ties keep generation order), then the ISO timestamps.
  const order = Array.from(events.keys()).sort((a, b) => times[a]! - times[b]! || a - b);
  const sorted = order.map((i) => {
    const e = events[i]!;
    e.occurredAt = new Date(times[i]!).toISOString();
    return e;
  });
  return { events: sorted, userIds: users.map((u) => u.id), activeUsers: active.size, sessions, byType };
}

/** Cuts events into consecutive batches. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

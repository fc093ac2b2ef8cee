// A realistic demo population: shoppers from a handful of distinct behaviour groups, with demographics imported the
// way a warehouse table would arrive and behaviour sent as events, so every path of the service has data to show.
import type { EventInput, UserImportInput } from '../generated/graphql.ts';
import { createRng, type Rng } from '../compute/random.ts';

interface Persona {
  name: string;
  weight: number;
  age: [number, number];
  sessionsPerMonth: [number, number];
  pagesPerSession: [number, number];
  dwellSeconds: [number, number];
  purchaseChance: number;
  orderAmount: [number, number];
  cartChance: number;
  clicksPerSession: [number, number];
  reviewChance: number;
  /** days ago the user was last active: [min, max] */
  lastActiveDaysAgo: [number, number];
  categories: string[];
}

const PERSONAS: Persona[] = [
  { name: 'vip', weight: 0.1, age: [30, 55], sessionsPerMonth: [12, 25], pagesPerSession: [6, 14], dwellSeconds: [40, 120], purchaseChance: 0.45, orderAmount: [150, 900], cartChance: 0.6, clicksPerSession: [4, 10], reviewChance: 0.15, lastActiveDaysAgo: [0, 3], categories: ['electronics', 'jewelry', 'home', 'beauty'] },
  { name: 'bargain', weight: 0.25, age: [22, 45], sessionsPerMonth: [10, 22], pagesPerSession: [8, 20], dwellSeconds: [15, 45], purchaseChance: 0.25, orderAmount: [10, 60], cartChance: 0.7, clicksPerSession: [8, 20], reviewChance: 0.05, lastActiveDaysAgo: [0, 5], categories: ['fashion', 'home', 'food', 'toys'] },
  { name: 'browser', weight: 0.3, age: [18, 35], sessionsPerMonth: [6, 15], pagesPerSession: [4, 12], dwellSeconds: [20, 80], purchaseChance: 0.04, orderAmount: [20, 120], cartChance: 0.3, clicksPerSession: [3, 9], reviewChance: 0.01, lastActiveDaysAgo: [0, 10], categories: ['fashion', 'beauty', 'sports', 'books'] },
  { name: 'newcomer', weight: 0.15, age: [18, 30], sessionsPerMonth: [1, 4], pagesPerSession: [2, 6], dwellSeconds: [10, 40], purchaseChance: 0.1, orderAmount: [15, 80], cartChance: 0.2, clicksPerSession: [1, 4], reviewChance: 0, lastActiveDaysAgo: [0, 4], categories: ['sports', 'books', 'food'] },
  { name: 'dormant', weight: 0.2, age: [35, 70], sessionsPerMonth: [1, 4], pagesPerSession: [2, 5], dwellSeconds: [20, 60], purchaseChance: 0.15, orderAmount: [30, 200], cartChance: 0.2, clicksPerSession: [1, 3], reviewChance: 0.02, lastActiveDaysAgo: [35, 80], categories: ['home', 'books', 'food', 'furniture'] },
];

const DAY = 86_400_000;
const between = (rng: Rng, [lo, hi]: [number, number]) => lo + rng.next() * (hi - lo);
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;

function choosePersona(rng: Rng): Persona {
  let r = rng.next();
  for (const p of PERSONAS) if ((r -= p.weight) < 0) return p;
  return PERSONAS.at(-1)!;
}

interface DemoData {
  users: UserImportInput[];
  events: EventInput[];
}

/** Deterministic for a seed. Events span the 30 days before each user's last activity. */
export function generateDemoData(userCount: number, now: Date, seed = 42): DemoData {
  const rng = createRng(seed);
  const users: UserImportInput[] = [];
  const events: EventInput[] = [];
  for (let u = 0; u < userCount; u++) {
    const p = choosePersona(rng);
    const userId = `demo-${String(u + 1).padStart(6, '0')}`;
    users.push({ userId, age: Math.round(between(rng, p.age)), gender: rng.next() < 0.52 ? 'F' : 'M', cityTier: 1 + rng.int(4) });
    const lastActive = now.getTime() - between(rng, p.lastActiveDaysAgo) * DAY;
    const sessions = Math.max(1, Math.round(between(rng, p.sessionsPerMonth)));
    let n = 0;
    const push = (e: Omit<EventInput, 'eventId' | 'userId'>) => events.push({ eventId: `${userId}-${n++}`, userId, ...e });
    for (let s = 0; s < sessions; s++) {
      // The last session ends at the user's last activity; the others are spread over the month before it.
      let t = s === sessions - 1 ? lastActive - 90 * 60_000 : lastActive - between(rng, [1, 30]) * DAY;
      const start = t;
      push({ type: 'SESSION_START', occurredAt: new Date(t) });
      const pages = Math.round(between(rng, p.pagesPerSession));
      const category = pick(rng, p.categories);
      for (let i = 0; i < pages; i++) {
        const dwell = between(rng, p.dwellSeconds);
        t += dwell * 1000;
        const cats = rng.next() < 0.8 ? [category] : [pick(rng, p.categories)];
        push({ type: 'PAGE_VIEW', occurredAt: new Date(t), itemId: `item-${rng.int(500)}`, categories: cats, durationSeconds: Math.round(dwell) });
      }
      const clicks = Math.round(between(rng, p.clicksPerSession));
      for (let i = 0; i < clicks; i++) push({ type: 'CLICK', occurredAt: new Date((t += 5000)), itemId: `item-${rng.int(500)}`, categories: [category] });
      if (rng.next() < p.cartChance) push({ type: 'ADD_TO_CART', occurredAt: new Date((t += 10_000)), itemId: `item-${rng.int(500)}`, categories: [category] });
      if (rng.next() < p.purchaseChance) {
        push({ type: 'PURCHASE', occurredAt: new Date((t += 30_000)), itemId: `item-${rng.int(500)}`, categories: [category], amount: Math.round(between(rng, p.orderAmount) * 100) / 100 });
        if (rng.next() < p.reviewChance) push({ type: 'REVIEW', occurredAt: new Date((t += 60_000)), itemId: `item-${rng.int(500)}`, text: 'Great product, fast delivery.', categories: [category] });
      }
      push({ type: 'SESSION_END', occurredAt: new Date((t += 1000)), durationSeconds: Math.round((t - start) / 1000) });
    }
  }
  events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  return { users, events };
}

// A realistic demo population: shoppers from a handful of distinct behaviour groups, with demographics imported the
// way a warehouse table would arrive and behaviour sent as events, so every path of the service has data to show.
// Reviews: each user has a voice (what they praise or complain about) drawn independently of the behaviour persona,
// and writes in Chinese (most) or English, so a model with TEXT features finds groups that behaviour alone cannot,
// without splitting by language.
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
  { name: 'vip', weight: 0.1, age: [30, 55], sessionsPerMonth: [12, 25], pagesPerSession: [6, 14], dwellSeconds: [40, 120], purchaseChance: 0.45, orderAmount: [150, 900], cartChance: 0.6, clicksPerSession: [4, 10], reviewChance: 0.6, lastActiveDaysAgo: [0, 3], categories: ['electronics', 'jewelry', 'home', 'beauty'] },
  { name: 'bargain', weight: 0.25, age: [22, 45], sessionsPerMonth: [10, 22], pagesPerSession: [8, 20], dwellSeconds: [15, 45], purchaseChance: 0.25, orderAmount: [10, 60], cartChance: 0.7, clicksPerSession: [8, 20], reviewChance: 0.4, lastActiveDaysAgo: [0, 5], categories: ['fashion', 'home', 'food', 'toys'] },
  { name: 'browser', weight: 0.3, age: [18, 35], sessionsPerMonth: [6, 15], pagesPerSession: [4, 12], dwellSeconds: [20, 80], purchaseChance: 0.04, orderAmount: [20, 120], cartChance: 0.3, clicksPerSession: [3, 9], reviewChance: 0.35, lastActiveDaysAgo: [0, 10], categories: ['fashion', 'beauty', 'sports', 'books'] },
  { name: 'newcomer', weight: 0.15, age: [18, 30], sessionsPerMonth: [1, 4], pagesPerSession: [2, 6], dwellSeconds: [10, 40], purchaseChance: 0.1, orderAmount: [15, 80], cartChance: 0.2, clicksPerSession: [1, 4], reviewChance: 0.3, lastActiveDaysAgo: [0, 4], categories: ['sports', 'books', 'food'] },
  { name: 'dormant', weight: 0.2, age: [35, 70], sessionsPerMonth: [1, 4], pagesPerSession: [2, 5], dwellSeconds: [20, 60], purchaseChance: 0.15, orderAmount: [30, 200], cartChance: 0.2, clicksPerSession: [1, 3], reviewChance: 0.35, lastActiveDaysAgo: [35, 80], categories: ['home', 'books', 'food', 'furniture'] },
];

/** What a user says in reviews, in both languages, with the star ratings that go with it. */
interface Voice {
  name: string;
  weight: number;
  ratings: [number, number];
  zh: readonly string[];
  en: readonly string[];
}

const VOICES: Voice[] = [
  {
    name: 'quality-fan', weight: 0.35, ratings: [4, 5],
    zh: ['质量非常好，做工精细，很满意', '面料手感很好，品质没得说', '做工很好，质量超出预期，会回购', '材质很好，用料扎实，推荐'],
    en: ['Excellent quality, the material feels great', 'Really well made, love the quality', 'Great craftsmanship, better than expected', 'Solid materials and very good quality'],
  },
  {
    name: 'slow-delivery', weight: 0.25, ratings: [1, 3],
    zh: ['物流太慢了，等了两个星期才到', '快递很慢，发货拖了好几天', '配送太慢，到货晚了一周，很失望', '发货太慢了，物流信息一直不更新'],
    en: ['Delivery was so slow, took two weeks to arrive', 'Shipping was very slow and the parcel arrived late', 'The courier was slow, it came a week late', 'Dispatch took forever, very disappointed with the delivery'],
  },
  {
    name: 'value-hunter', weight: 0.25, ratings: [4, 5],
    zh: ['性价比很高，价格很划算', '价格便宜，物超所值', '优惠力度大，这个价钱很值', '便宜又好用，价格实惠'],
    en: ['Great value for the price', 'Cheap and worth every penny', 'Good deal, the discount made it a bargain', 'Very affordable, great price'],
  },
  {
    name: 'service-complaint', weight: 0.15, ratings: [1, 2],
    zh: ['客服态度很差，问了半天不回复', '售后太差了，商家不理人', '客服回复很慢，态度也不好', '卖家服务态度差，不会再买'],
    en: ['Customer service was rude and never replied', 'The seller ignored my messages, terrible support', 'Support was slow to respond and unhelpful', 'Awful service from the seller, will not buy again'],
  },
];
/** Most of the users we serve write in Chinese; many in English. */
const CHINESE_SHARE = 0.65;

function chooseVoice(rng: Rng): Voice {
  let r = rng.next();
  for (const v of VOICES) if ((r -= v.weight) < 0) return v;
  return VOICES.at(-1)!;
}

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
  // voices and review texts come from their own generator, so the behaviour drawn for a seed does not depend on them
  const textRng = createRng(seed + 1);
  const users: UserImportInput[] = [];
  const events: EventInput[] = [];
  for (let u = 0; u < userCount; u++) {
    const p = choosePersona(rng);
    const userId = `demo-${String(u + 1).padStart(6, '0')}`;
    users.push({ userId, age: Math.round(between(rng, p.age)), gender: rng.next() < 0.52 ? 'F' : 'M', cityTier: 1 + rng.int(4) });
    const lastActive = now.getTime() - between(rng, p.lastActiveDaysAgo) * DAY;
    const sessions = Math.max(1, Math.round(between(rng, p.sessionsPerMonth)));
    const voice = chooseVoice(textRng);
    const texts = textRng.next() < CHINESE_SHARE ? voice.zh : voice.en;
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
        if (rng.next() < p.reviewChance) {
          // seven reviews in ten come with a star rating
          const rating = textRng.next() < 0.7 ? Math.round(between(textRng, voice.ratings)) : null;
          push({ type: 'REVIEW', occurredAt: new Date((t += 60_000)), itemId: `item-${rng.int(500)}`, text: pick(textRng, texts), rating, categories: [category] });
        }
      }
      push({ type: 'SESSION_END', occurredAt: new Date((t += 1000)), durationSeconds: Math.round((t - start) / 1000) });
    }
  }
  events.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  return { users, events };
}

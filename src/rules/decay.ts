// Interest tags: per-category weights that decay with time, an event of age t days weighing dailyDecay^t.
//
// The state keeps weights as of one instant `at` (the newest event seen, or the last decayTo), so an update touches
// only the event's categories plus one multiplication, and the state can be stored as a small JSON object.
//
// "Minimum frequency 3" with decay: a decayed weight of 3 would make a tag vanish one day after its third event
// (3 * 0.95 < 3). So the rule has two parts:
//   - at least `minFrequency` raw events in the category (counts never decay: this is the "frequency"), and
//   - a decayed weight of at least `minWeight` (0.5: "half an event today"), so old interests fade out. With 0.95 a
//     day, three events on one day stay a tag for ln(0.5/3)/ln(0.95) ≈ 35 days.
// Tags are ranked by decayed weight, then raw count, then name (deterministic), and cut to `maxTags`.
//
// Cold start: a state that has never seen a categorised event gives `coldStartTags` (empty by default: an interest we
// have not observed would only pollute segments). A category whose weight decays below PRUNE_BELOW is dropped with
// its count, so a user returning after ~9 months starts that interest afresh and the state does not grow forever.
import { normaliseCategory, type InterestTagsConfig } from '../config/portrait-config.ts';

export interface DecayState {
  /** decayed weight per category, as of `at` */
  readonly weights: Readonly<Record<string, number>>;
  /** raw number of events per category (no decay) */
  readonly counts: Readonly<Record<string, number>>;
  /** the instant the weights are expressed at; null before the first event */
  readonly at: Date | null;
}

export const EMPTY_DECAY_STATE: DecayState = Object.freeze({ weights: {}, counts: {}, at: null });

const DAY_MS = 86_400_000;
/** 0.95^270 ≈ 1e-6: below this a category carries no signal any more. */
export const PRUNE_BELOW = 1e-6;

function checkDecay(dailyDecay: number): void {
  if (!(dailyDecay > 0 && dailyDecay <= 1)) throw new RangeError(`dailyDecay must be in (0, 1], got ${dailyDecay}`);
}

function checkDate(d: Date, what: string): number {
  const t = d.getTime();
  if (Number.isNaN(t)) throw new RangeError(`${what} is not a valid date`);
  return t;
}

/** dailyDecay ^ (days between), fractional days included; 1 when `toMs` is not after `fromMs`. */
function decayFactor(dailyDecay: number, fromMs: number, toMs: number): number {
  return toMs <= fromMs ? 1 : dailyDecay ** ((toMs - fromMs) / DAY_MS);
}

/** Drops every category whose weight has faded below PRUNE_BELOW (with its count). */
function prune(weights: Map<string, number>, counts: Map<string, number>): void {
  for (const [c, w] of weights) {
    if (w < PRUNE_BELOW) {
      weights.delete(c);
      counts.delete(c);
    }
  }
}

function build(weights: Map<string, number>, counts: Map<string, number>, at: Date | null): DecayState {
  prune(weights, counts);
  // Object.fromEntries defines own properties, so a category such as "__proto__" cannot touch the prototype.
  return { weights: Object.fromEntries(weights), counts: Object.fromEntries(counts), at };
}

const distinct = (categories: readonly string[]): readonly string[] => (categories.length < 2 ? categories : [...new Set(categories)]);

/**
 * One event applied to mutable maps (the arithmetic of addEvent, without the copy and the pruning); returns the new
 * `at`. `cats` must be distinct and non-empty.
 */
function step(weights: Map<string, number>, counts: Map<string, number>, at: Date | null, cats: readonly string[], t: number, dailyDecay: number): Date | null {
  let add = 1;
  if (at === null || t >= at.getTime()) {
    const f = at === null ? 1 : decayFactor(dailyDecay, at.getTime(), t);
    if (f !== 1) for (const [c, w] of weights) weights.set(c, w * f);
    at = new Date(t);
  } else {
    add = decayFactor(dailyDecay, t, at.getTime());
  }
  for (const c of cats) {
    weights.set(c, (weights.get(c) ?? 0) + add);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  return at;
}

/**
 * Adds one event with the given categories (duplicates within the event count once). A newer event moves the state
 * forward: existing weights decay to occurredAt, then each category gains 1. A late event (before `at`) leaves `at`
 * alone and adds dailyDecay^(age in days relative to `at`). Returns a new state.
 */
export function addEvent(state: DecayState, categories: readonly string[], occurredAt: Date, dailyDecay: number): DecayState {
  checkDecay(dailyDecay);
  const t = checkDate(occurredAt, 'occurredAt');
  const cats = distinct(categories);
  if (cats.length === 0) return state;
  const weights = new Map(Object.entries(state.weights));
  const counts = new Map(Object.entries(state.counts));
  return build(weights, counts, step(weights, counts, state.at, cats, t, dailyDecay));
}

/**
 * Adds a user's events in order: exactly the state that folding addEvent over them gives (the same arithmetic and
 * the same pruning after every event), but the state is copied once and mutated, not copied per event. Returns
 * `state` itself when no event has a category.
 */
export function addEvents(
  state: DecayState,
  events: readonly { categories: readonly string[]; occurredAt: Date }[],
  dailyDecay: number,
): DecayState {
  checkDecay(dailyDecay);
  let weights: Map<string, number> | null = null;
  let counts: Map<string, number> | null = null;
  let at = state.at;
  for (const e of events) {
    const t = checkDate(e.occurredAt, 'occurredAt');
    const cats = distinct(e.categories);
    if (cats.length === 0) continue;
    weights ??= new Map(Object.entries(state.weights));
    counts ??= new Map(Object.entries(state.counts));
    at = step(weights, counts, at, cats, t, dailyDecay);
    prune(weights, counts);
  }
  return weights && counts ? build(weights, counts, at) : state;
}

/** The same state expressed at `now`. A `now` before `at` (clock skew) leaves it unchanged rather than growing weights. */
export function decayTo(state: DecayState, now: Date, dailyDecay: number): DecayState {
  checkDecay(dailyDecay);
  const t = checkDate(now, 'now');
  if (state.at === null || t <= state.at.getTime()) return state;
  const f = decayFactor(dailyDecay, state.at.getTime(), t);
  const weights = new Map(Object.entries(state.weights).map(([c, w]) => [c, w * f]));
  return build(weights, new Map(Object.entries(state.counts)), new Date(t));
}

/**
 * The categories of an event's raw category list that are configured, in canonical form, without duplicates. Call
 * this before addEvent so client-supplied strings cannot grow the state.
 */
export function knownCategories(raw: readonly string[] | null | undefined, cfg: Pick<InterestTagsConfig, 'categories'>): string[] {
  if (!raw || raw.length === 0) return [];
  const allowed = allowedSet(cfg.categories);
  const out: string[] = [];
  for (const r of raw) {
    const c = normaliseCategory(r);
    if (allowed.has(c) && !out.includes(c)) out.push(c);
  }
  return out;
}

// The configured list as a set, made once per list rather than once per event (ingest calls knownCategories for every
// event: building the set each time was a visible share of its CPU).
const allowedSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function allowedSet(categories: readonly string[]): ReadonlySet<string> {
  let set = allowedSets.get(categories);
  if (!set) allowedSets.set(categories, (set = new Set(categories)));
  return set;
}

/**
 * Interest tags at `now` (see the module comment for the rule and cold-start default). The same arithmetic and pruning
 * as decayTo, without building the decayed state: this runs on every profile read (user(id)), where copying the state
 * into maps and back into objects was most of the view's cost.
 */
export function interestTags(
  state: DecayState,
  now: Date,
  cfg: Pick<InterestTagsConfig, 'categories' | 'maxTags' | 'minFrequency' | 'minWeight' | 'dailyDecay' | 'coldStartTags'>,
): string[] {
  if (state.at === null) return [...cfg.coldStartTags];
  checkDecay(cfg.dailyDecay);
  const t = checkDate(now, 'now');
  // decayTo leaves the state alone (no factor, no pruning) when `now` is not after `at`
  const decays = t > state.at.getTime();
  const f = decays ? decayFactor(cfg.dailyDecay, state.at.getTime(), t) : 1;
  const allowed = allowedSet(cfg.categories);
  const kept: { c: string; w: number; n: number }[] = [];
  for (const [c, stored] of Object.entries(state.weights)) {
    const w = decays ? stored * f : stored;
    if (decays && w < PRUNE_BELOW) continue; // pruned by decayTo, count and all
    const n = state.counts[c] ?? 0;
    if (allowed.has(c) && n >= cfg.minFrequency && w >= cfg.minWeight) kept.push({ c, w, n });
  }
  return kept
    .sort((a, b) => b.w - a.w || b.n - a.n || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0))
    .slice(0, cfg.maxTags)
    .map((k) => k.c);
}

// Activity features of one user: activity level 0-3, user type 0/1, behaviour preference codes, and the live
// engagement and recency scores. Inputs are small explicit stats objects that the caller aggregates from events.
//
// Cold start (no events, no purchase): level 0, type 0, no preferences, engagement 0, recency 0.
import type {
  ActivityConfig,
  BehaviourPreferencesConfig,
  EngagementCaps,
  InteractionPatternConfig,
  UserTypeConfig,
} from '../config/portrait-config.ts';

type ActivityLevel = 0 | 1 | 2 | 3;
type UserType = 0 | 1;

/**
 * The method's rule: the index of the first threshold the value does not exceed (value <= threshold), and the last
 * index when it exceeds them all. With [0, 5, 15, 30] daily actions: none 0, up to 5 a day 1, up to 15 2, more 3
 * (so 3 a day is level 1, not 0). NaN and negative values give 0.
 */
export function levelFromThresholds(value: number, thresholds: readonly number[]): number {
  if (Number.isNaN(value) || thresholds.length === 0) return 0;
  const i = thresholds.findIndex((t) => value <= t);
  return i === -1 ? thresholds.length - 1 : i;
}

interface ActivityInput {
  /** actions (events) per day; the caller's choice of window, recommended: the longest configured window */
  readonly avgDailyActions: number;
  /** average session length in seconds */
  readonly avgSessionDurationSeconds: number;
}

/**
 * Level 0-3: the higher of the daily-actions level ([0, 5, 15, 30]) and the session-duration level
 * ([0, 300, 900, 1800] s), both by the method's rule in levelFromThresholds (at a threshold the lower level applies:
 * 5 actions -> 1, 5.01 -> 2; 300 s -> 1, 301 s -> 2). The max, because either kind of activity makes a user worth
 * treating as active: a reader with few, long sessions is as present as a fast clicker.
 */
export function activityLevel(input: ActivityInput, cfg: ActivityConfig): ActivityLevel {
  return Math.max(
    levelFromThresholds(input.avgDailyActions, cfg.dailyActionThresholds),
    levelFromThresholds(input.avgSessionDurationSeconds, cfg.sessionDurationThresholds),
  ) as ActivityLevel;
}

interface UserTypeInput {
  readonly sessions: number;
  readonly actions: number;
}

/** 1 (heavy) when sessions >= heavyMinSessions and actions >= heavyMinActions (both inclusive), else 0 (light). */
export function userType(input: UserTypeInput, cfg: UserTypeConfig): UserType {
  return input.sessions >= cfg.heavyMinSessions && input.actions >= cfg.heavyMinActions ? 1 : 0;
}

/** Behaviour preference codes, in the priority order used when more than maxPreferences apply. */
export const PREFERENCE_CODES = [
  'FREQUENT_CLICKER',
  'EXPLORER',
  'FOCUSED',
  'LONG_DWELL',
  'QUICK_SCANNER',
  'CART_ABANDONER',
  'REVIEWER',
  'NIGHT_OWL',
  'WEEKEND_SHOPPER',
  'RISING',
  'COOLING',
] as const;
export type PreferenceCode = (typeof PREFERENCE_CODES)[number];

/** Counts over one time window ending now. */
interface WindowStats {
  /**
   * the window's effective length in days: min(window, days since the user's first event), at least 1, so a user
   * who joined yesterday is not diluted over 30 days
   */
  readonly days: number;
  readonly actions: number;
  readonly clicks: number;
}

/** What preferences are computed from. Every count except `windows` is over the longest configured window. */
export interface BehaviourStats {
  /** one entry per configured window (behaviourPreferences.windowsDays) */
  readonly windows: readonly WindowStats[];
  readonly totalActions: number;
  /** events that carry an itemId, and the distinct itemIds among them */
  readonly itemInteractions: number;
  readonly uniqueItems: number;
  /** PAGE_VIEW events with a dwell time, and the sum of those dwell times in seconds */
  readonly pageViewsWithDwell: number;
  readonly dwellSecondsTotal: number;
  readonly cartAdds: number;
  readonly purchases: number;
  readonly reviews: number;
  /** actions at night / on a weekend, in the configured local time (src/modules/events/behaviour-stats.ts) */
  readonly nightActions: number;
  readonly weekendActions: number;
}


const rate = (w: WindowStats, x: number): number => x / Math.max(1, w.days);

/**
 * Preference codes, bounded by maxPreferences (in PREFERENCE_CODES order). The rules:
 * - FREQUENT_CLICKER: clicks per day over the longest window > clickFrequencyPerDay (a habit, not one busy day).
 * - EXPLORER / FOCUSED: unique items / item interactions > explorerUniqueItemsRatio, or < focusedUniqueItemsRatio,
 *   once there are at least minItemInteractions (one view of one item is not "exploring").
 * - LONG_DWELL / QUICK_SCANNER: mean page dwell >= longDwellSeconds, or < shortDwellSeconds, once there are at least
 *   minPageViewsForDwell timed page views.
 * - Interaction pattern, once there are at least interactionPattern.minActions actions: CART_ABANDONER (>= minAdds
 *   cart adds, and (adds - purchases) / adds >= cartAbandonerRate), REVIEWER (>= reviewerMinReviews reviews),
 *   NIGHT_OWL / WEEKEND_SHOPPER (share of actions >= nightOwlShare / weekendShopperShare).
 * - Trend from the shortest and longest windows' daily action rates: RISING when short >= trendRatio * long and short
 *   >= trendMinActionsPerDay; COOLING when short * trendRatio <= long and long >= trendMinActionsPerDay.
 */
export function behaviourPreferences(s: BehaviourStats, cfg: BehaviourPreferencesConfig): PreferenceCode[] {
  const on = new Set<PreferenceCode>();
  const windows = [...s.windows].sort((a, b) => a.days - b.days);
  const shortest = windows[0];
  const longest = windows[windows.length - 1];

  if (longest && rate(longest, longest.clicks) > cfg.clickFrequencyPerDay) on.add('FREQUENT_CLICKER');

  if (s.itemInteractions >= cfg.minItemInteractions) {
    const ratio = s.uniqueItems / s.itemInteractions;
    if (ratio > cfg.explorerUniqueItemsRatio) on.add('EXPLORER');
    else if (ratio < cfg.focusedUniqueItemsRatio) on.add('FOCUSED');
  }

  if (s.pageViewsWithDwell >= cfg.minPageViewsForDwell) {
    const dwell = s.dwellSecondsTotal / s.pageViewsWithDwell;
    if (dwell >= cfg.longDwellSeconds) on.add('LONG_DWELL');
    else if (dwell < cfg.shortDwellSeconds) on.add('QUICK_SCANNER');
  }

  const p = cfg.interactionPattern;
  if (s.totalActions >= p.minActions) {
    if (s.cartAdds >= p.cartAbandonerMinAdds && Math.max(0, s.cartAdds - s.purchases) / s.cartAdds >= p.cartAbandonerRate)
      on.add('CART_ABANDONER');
    if (s.reviews >= p.reviewerMinReviews) on.add('REVIEWER');
    if (s.nightActions / s.totalActions >= p.nightOwlShare) on.add('NIGHT_OWL');
    if (s.weekendActions / s.totalActions >= p.weekendShopperShare) on.add('WEEKEND_SHOPPER');
  }

  if (shortest && longest && shortest.days < longest.days) {
    const short = rate(shortest, shortest.actions);
    const long = rate(longest, longest.actions);
    if (short >= p.trendMinActionsPerDay && short >= p.trendRatio * long) on.add('RISING');
    else if (long >= p.trendMinActionsPerDay && short * p.trendRatio <= long) on.add('COOLING');
  }

  return PREFERENCE_CODES.filter((c) => on.has(c)).slice(0, cfg.maxPreferences);
}

interface EngagementInput {
  readonly sessions: number;
  readonly avgSessionDurationSeconds: number;
  readonly pagesPerSession: number;
}

/**
 * Live engagement 0..1: the mean of sessions, average session duration and pages per session, each divided by its
 * configured cap and clipped to 1 (training divides by the population maximum instead; the caps stand in for it).
 */
export function liveEngagementScore(input: EngagementInput, caps: EngagementCaps): number {
  const part = (x: number, cap: number) => (Number.isFinite(x) && x > 0 ? Math.min(1, x / cap) : 0);
  return (
    (part(input.sessions, caps.sessions) +
      part(input.avgSessionDurationSeconds, caps.avgSessionDurationSeconds) +
      part(input.pagesPerSession, caps.pagesPerSession)) /
    3
  );
}

/**
 * Recency 0..1, one definition for every user (imported or tracked, live or in training):
 * 0.5^(hours since the last activity / half-life), 1 right now, halving every half-life (168 h by default), 0 for a
 * user with no known activity (null). "Last activity" is the caller's latest known instant of the user: the later of
 * the last event and the last purchase (an imported user's last purchase counts). An exponential rather than
 * 1 / (days + 1): it has a tunable time scale, does not fall by half within the first day, and never reaches 0 so
 * long-gone users still rank by how long ago they left.
 */
export function recencyScore(hoursSinceActivity: number | null, halfLifeHours: number): number {
  if (hoursSinceActivity === null || Number.isNaN(hoursSinceActivity)) return 0;
  return 0.5 ** (Math.max(0, hoursSinceActivity) / halfLifeHours);
}

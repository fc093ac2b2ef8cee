// The portrait's one configuration file (issue 5): schema, loader and types.
// Validation happens once at start-up; every error names the bad key path so an operator can fix the file directly.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Cron } from 'croner';

const DEFAULT_PORTRAIT_CONFIG_PATH = 'config/portrait.json';

/** Error options that say "is required" for a missing key and `what` otherwise. */
function says(what: string) {
  return { error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : what) };
}

const intAtLeast = (min: number) => {
  const m = `must be an integer >= ${min}`;
  return z.number(says(m)).int(says(m)).min(min, says(m));
};
const numAtLeast = (min: number) => z.number(says(`must be a number >= ${min}`)).min(min, says(`must be a number >= ${min}`));
const positive = () => z.number(says('must be a number > 0')).positive(says('must be a number > 0'));
/** A share or probability: 0 <= x <= 1. */
const share = () => {
  const m = 'must be a number between 0 and 1';
  return z.number(says(m)).min(0, says(m)).max(1, says(m));
};
const hour = () => {
  const m = 'must be an integer hour 0-23';
  return z.number(says(m)).int(says(m)).min(0, says(m)).max(23, says(m));
};
const bool = () => z.boolean(says('must be true or false'));
const section = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape, says('must be an object'));

/** Exactly `n` finite numbers, each >= 0, strictly ascending, the first one 0 (level 0 starts at nothing). */
function levelThresholds(n: number) {
  return z.custom<[number, number, number, number]>(
    (v) =>
      Array.isArray(v) &&
      v.length === n &&
      v.every((x) => typeof x === 'number' && Number.isFinite(x)) &&
      v[0] === 0 &&
      v.every((x: number, i) => i === 0 || x > (v[i - 1] as number)),
    says(`must be ${n} ascending numbers starting at 0`),
  );
}

/**
 * Why a schedule's cron expression is unusable, or null: five fields (minute hour day-of-month month day-of-week, as
 * documented; croner also takes seconds and years, which our slots do not), parsed by croner, the library that runs
 * the schedules, and due at least once (so "0 0 31 2 *" is refused).
 */
export function cronProblem(expr: string): string | null {
  if (expr.trim().split(/\s+/).length !== 5) return 'it has not five fields (minute hour day month weekday)';
  try {
    const cron = new Cron(expr, { paused: true, timezone: 'UTC' });
    if (cron.nextRun(new Date(0)) === null) return 'never comes due';
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const schedule = () =>
  section({
    enabled: bool(),
    cron: z.string(says('must be a cron string')).superRefine((expr, ctx) => {
      const problem = cronProblem(expr);
      if (problem) ctx.addIssue({ code: 'custom', message: `must be a five-field cron expression (${problem})` });
    }),
  });

const category = z
  .string(says('must be a string'))
  .min(1, says('must be a non-empty string'))
  .refine((c) => c === normaliseCategory(c), says('must be lowercase without surrounding spaces'));

/** The canonical form of a category name: matching event categories to configured ones is case-insensitive. */
export function normaliseCategory(raw: string): string {
  return raw.trim().toLowerCase();
}

const portraitConfigSchema = section({
  money: section({
    /** ISO 4217 code of the shop's currency (amounts are in it; shown beside them) */
    currency: z.string(says('must be a three-letter ISO 4217 code')).regex(/^[A-Z]{3}$/, says('must be a three-letter ISO 4217 code')),
    /** the currency's decimals (2 for CNY, USD, EUR; 0 for JPY, KRW; 3 for KWD): amounts with more are rejected */
    decimals: z.number(says('must be an integer from 0 to 4')).int(says('must be an integer from 0 to 4')).min(0, says('must be an integer from 0 to 4')).max(4, says('must be an integer from 0 to 4')),
  }),
  interestTags: section({
    categories: z.array(category, says('must be a list of category names')).min(1, says('must list at least one category')),
    maxTags: intAtLeast(1),
    /** minimum raw number of events in a category before it can become a tag (see decay.ts) */
    minFrequency: intAtLeast(1),
    /** minimum decayed weight, so that old interests fade out (see decay.ts) */
    minWeight: numAtLeast(0),
    dailyDecay: z
      .number(says('must be a number in (0, 1]'))
      .gt(0, says('must be a number in (0, 1]'))
      .max(1, says('must be a number in (0, 1]')),
    /** tags given to a user with no categorised events yet */
    coldStartTags: z.array(category, says('must be a list of category names')),
  }),
  behaviourPreferences: section({
    maxPreferences: intAtLeast(0),
    windowsDays: z
      .array(intAtLeast(1), says('must be a list of window lengths in days'))
      .min(1, says('must list at least one window'))
      .refine((w) => w.every((x, i) => i === 0 || x > (w[i - 1] as number)), says('must be ascending')),
    clickFrequencyPerDay: numAtLeast(0),
    explorerUniqueItemsRatio: share(),
    focusedUniqueItemsRatio: share(),
    minItemInteractions: intAtLeast(1),
    longDwellSeconds: positive(),
    shortDwellSeconds: numAtLeast(0),
    minPageViewsForDwell: intAtLeast(1),
    interactionPattern: section({
      minActions: intAtLeast(1),
      utcOffsetMinutes: z
        .number(says('must be an integer number of minutes between -720 and 840'))
        .int(says('must be an integer number of minutes between -720 and 840'))
        .min(-720, says('must be an integer number of minutes between -720 and 840'))
        .max(840, says('must be an integer number of minutes between -720 and 840')),
      nightStartHour: hour(),
      nightEndHour: hour(),
      nightOwlShare: share(),
      weekendShopperShare: share(),
      cartAbandonerMinAdds: intAtLeast(1),
      cartAbandonerRate: share(),
      reviewerMinReviews: intAtLeast(1),
      trendRatio: z.number(says('must be a number > 1')).gt(1, says('must be a number > 1')),
      trendMinActionsPerDay: positive(),
    }),
  }),
  activity: section({
    dailyActionThresholds: levelThresholds(4),
    sessionDurationThresholds: levelThresholds(4),
  }),
  userType: section({
    heavyMinSessions: numAtLeast(0),
    heavyMinActions: numAtLeast(0),
  }),
  engagement: section({
    caps: section({
      sessions: positive(),
      avgSessionDurationSeconds: positive(),
      pagesPerSession: positive(),
    }),
  }),
  recency: section({
    liveHalfLifeHours: positive(),
  }),
  labels: section({
    tierQuantiles: section({ low: share(), high: share() }),
    /** a segment with fewer members who ever bought than this share is labelled as not buying (value, frequency NONE) */
    minBuyerShare: share(),
    ageGroups: section({ youngBelow: positive(), middleBelow: positive() }),
    genderMixThreshold: share(),
    cityTier: section({ upperMaxTier: intAtLeast(1), mixThreshold: share() }),
  }),
  drift: section({
    /** flag a segment when |live share - share at training| exceeds this (absolute, in share units) */
    shareDeltaThreshold: share(),
  }),
  quality: section({
    /** a feature drifts when its population stability index (training sample vs now) exceeds this */
    psiThreshold: positive(),
    confidence: section({
      /** evidence reaches 1 at this many events (log scale) */
      eventsCap: positive(),
      /** confidence = evidence * w.evidence + recency * w.recency + completeness * w.completeness; they sum to 1 */
      weights: section({ evidence: share(), recency: share(), completeness: share() }),
    }),
  }),
  health: section({
    /** error rate and latency are judged only over a window with at least this many operations */
    minOperations: intAtLeast(1),
    /** each: an issue at `warning`, CRITICAL at `critical` (above for rates and times, below for diversity) */
    errorRate: section({ warning: share(), critical: share() }),
    meanResponseMs: section({ warning: positive(), critical: positive() }),
    clusterDiversity: section({ warning: share(), critical: share() }),
    queueOldestSeconds: section({ warning: positive(), critical: positive() }),
    /** a process reuses its feature drift (PSI on a sample of up to 10,000 profiles) this long; 0 computes it at every reading */
    driftCacheMinutes: numAtLeast(0),
  }),
  retrain: section({
    /** the weekly retrain activates only if newSilhouette >= activeSilhouette - silhouetteMargin */
    silhouetteMargin: numAtLeast(0),
  }),
  schedules: section({ hourly: schedule(), daily: schedule(), weekly: schedule() }),
}).superRefine((c, ctx) => {
  // Rules across keys; each issue points at the key an operator would change.
  const add = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (c.labels.tierQuantiles.low >= c.labels.tierQuantiles.high)
    add(['labels', 'tierQuantiles', 'low'], 'must be below labels.tierQuantiles.high');
  if (c.labels.ageGroups.youngBelow >= c.labels.ageGroups.middleBelow)
    add(['labels', 'ageGroups', 'youngBelow'], 'must be below labels.ageGroups.middleBelow');
  const bp = c.behaviourPreferences;
  if (bp.focusedUniqueItemsRatio >= bp.explorerUniqueItemsRatio)
    add(['behaviourPreferences', 'focusedUniqueItemsRatio'], 'must be below behaviourPreferences.explorerUniqueItemsRatio');
  if (bp.shortDwellSeconds >= bp.longDwellSeconds)
    add(['behaviourPreferences', 'shortDwellSeconds'], 'must be below behaviourPreferences.longDwellSeconds');
  if (bp.interactionPattern.nightStartHour === bp.interactionPattern.nightEndHour)
    add(['behaviourPreferences', 'interactionPattern', 'nightEndHour'], 'must differ from nightStartHour');
  const cw = c.quality.confidence.weights;
  if (Math.abs(cw.evidence + cw.recency + cw.completeness - 1) > 1e-9)
    add(['quality', 'confidence', 'weights'], 'must sum to 1');
  for (const key of ['errorRate', 'meanResponseMs', 'queueOldestSeconds'] as const) {
    if (c.health[key].critical < c.health[key].warning) add(['health', key, 'critical'], `must not be below health.${key}.warning`);
  }
  if (c.health.clusterDiversity.critical > c.health.clusterDiversity.warning)
    add(['health', 'clusterDiversity', 'critical'], 'must not be above health.clusterDiversity.warning');
  const seen = new Set<string>();
  c.interestTags.categories.forEach((cat, i) => {
    if (seen.has(cat)) add(['interestTags', 'categories', i], `repeats "${cat}"`);
    seen.add(cat);
  });
  c.interestTags.coldStartTags.forEach((cat, i) => {
    if (!seen.has(cat)) add(['interestTags', 'coldStartTags', i], `"${cat}" is not in interestTags.categories`);
  });
});

export type PortraitConfig = z.infer<typeof portraitConfigSchema>;
export type MoneyConfig = PortraitConfig['money'];
export type InterestTagsConfig = PortraitConfig['interestTags'];
export type BehaviourPreferencesConfig = PortraitConfig['behaviourPreferences'];
export type InteractionPatternConfig = BehaviourPreferencesConfig['interactionPattern'];
export type ActivityConfig = PortraitConfig['activity'];
export type UserTypeConfig = PortraitConfig['userType'];
export type EngagementCaps = PortraitConfig['engagement']['caps'];
export type LabelsConfig = PortraitConfig['labels'];
export type ScheduleName = keyof PortraitConfig['schedules'];
export type HealthConfig = PortraitConfig['health'];

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

function formatIssue(issue: z.core.$ZodIssue): string[] {
  const at = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((k) => `${at === '' ? k : `${at}.${k}`} is not a known key`);
  return [at === '' ? issue.message : `${at} ${issue.message}`];
}

/** Validates already-parsed JSON; `source` (usually the file path) prefixes every message. */
export function parsePortraitConfig(raw: unknown, source = 'portrait config'): PortraitConfig {
  const r = portraitConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new Error(`${source}: ${r.error.issues.flatMap(formatIssue).join('; ')}`);
}

/** Reads and validates the configuration file; throws an Error naming the file and the bad key path. */
export function loadPortraitConfig(path: string = DEFAULT_PORTRAIT_CONFIG_PATH): PortraitConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new Error(`${path}: cannot read the file (${code})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: is not valid JSON (${(e as Error).message})`);
  }
  return parsePortraitConfig(raw, path);
}

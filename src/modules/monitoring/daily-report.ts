// The daily report (written by the DAILY schedule, one row per UTC day; a rerun replaces the day's row): the health of
// the last 24 hours, the method's rating and recommendations (src/rules/health.ts), and a summary to draw trends
// from: events received, users, profiles updated, live segment sizes, top interest tags and behaviour preference shares.
import { z } from 'zod';
import { placedCounts } from '../profiles/placements.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { Db } from '../../db/client.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Logger } from '../../logger.ts';
import { badInput } from '../../errors.ts';
import { behaviourPreferences, type PreferenceCode } from '../../rules/activity.ts';
import { healthScore, ISSUE_CODES, rating, recommendations, type Rating } from '../../rules/health.ts';
import { loadBehaviourCounts, toBehaviourStats } from '../events/behaviour-stats.ts';
import { MAX_SAMPLE, sampleProfiles } from '../profiles/profile-statistics.ts';
import { findActiveModelWithSegments } from '../segmentation/model-store.ts';
import { shareOf, summariseSample } from '../quality/quality-summary.ts';
import { MAX_WINDOW_MINUTES, readSystemHealth, type SystemHealth } from './system-health.ts';
import { HealthChecks } from './health-checks.ts';
import { ActiveModelCache } from '../segmentation/assignment.ts';

const DAY_MINUTES = 1440;
const TOP_TAGS = 10;
/** users of the seeded sample whose recent events are counted for the preference shares */
const PREFERENCE_SAMPLE = 1_000;
export const MAX_REPORTS = 366;

const stats = z.object({ count: z.number(), mean: z.number().nullable(), p50: z.number().nullable(), p90: z.number().nullable(), max: z.number().nullable() });
const storedHealthSchema = z.object({
  status: z.enum(['HEALTHY', 'WARNING', 'CRITICAL']),
  windowMinutes: z.number().int(),
  operations: z.number().int(),
  errorRate: z.number(),
  meanLatencyMs: z.number().nullable(),
  p95LatencyMs: z.number().nullable(),
  eventsPerSecond: z.number(),
  profileLagMs: stats,
  queues: z.array(z.object({ kind: z.string(), queued: z.number().int(), oldestAgeSeconds: z.number().nullable() })),
  clusterDiversity: z.number().nullable(),
  liveSegments: z.number().int().nullable(),
  // absent from the reports written before these checks existed
  prediction: z.object({ ok: z.boolean(), latencyMs: z.number() }).nullable().default(null),
  maxFeaturePsi: z.number().nullable().default(null),
  issues: z.array(z.object({
    code: z.enum(ISSUE_CODES),
    severity: z.enum(['WARNING', 'CRITICAL']),
    value: z.number(),
    threshold: z.number(),
  })),
});
const recommendationsSchema = z.object({ EN: z.array(z.string()), ZH: z.array(z.string()) });

export interface DailyReport {
  date: string;
  health: SystemHealth;
  rating: Rating;
  recommendations: { EN: string[]; ZH: string[] };
  summary: unknown;
}

const RATINGS = ['EXCELLENT', 'GOOD', 'FAIR', 'NEEDS_WORK', 'POOR'] as const;

async function summary(db: Db, config: PortraitConfig, now: Date) {
  const since = new Date(now.getTime() - DAY_MINUTES * 60_000).toISOString();
  const at = now.toISOString();
  const [counts] = await db.$queryRaw<{ events: number; users: number; profiles_updated: number }[]>`
    SELECT (SELECT count(*)::int FROM events WHERE received_at > ${since}::timestamptz AND received_at <= ${at}::timestamptz) AS events,
           (SELECT count(*)::int FROM users) AS users,
           (SELECT count(*)::int FROM profiles WHERE updated_at > ${since}::timestamptz AND updated_at <= ${at}::timestamptz) AS profiles_updated`;
  const active = await findActiveModelWithSegments(db);
  let segmentSizes: { index: number; users: number; share: number }[] = [];
  if (active) {
    const live = await placedCounts(fromPrisma(db), active.segments.map((s) => s.id));
    const total = [...live.values()].reduce((s, n) => s + n, 0);
    segmentSizes = active.segments.map((s) => ({ index: s.index, users: live.get(s.id) ?? 0, share: shareOf(live.get(s.id) ?? 0, total) }));
  }
  const sample = await sampleProfiles(db, 0, MAX_SAMPLE);
  const sampled = summariseSample(sample, now, config, TOP_TAGS);
  // preferences need each user's recent events: counted for the first PREFERENCE_SAMPLE users of the same sample
  const prefUsers = sample.slice(0, PREFERENCE_SAMPLE);
  const rows = await loadBehaviourCounts(db, prefUsers.map((p) => p.userId), now, config.behaviourPreferences);
  const prefCounts = new Map<PreferenceCode, number>();
  for (const p of prefUsers) {
    const s = toBehaviourStats(rows.get(p.userId), p.firstEventAt, now, config.behaviourPreferences);
    for (const code of s ? behaviourPreferences(s, config.behaviourPreferences) : []) prefCounts.set(code, (prefCounts.get(code) ?? 0) + 1);
  }
  return {
    events: counts!.events,
    users: counts!.users,
    profilesUpdated: counts!.profiles_updated,
    modelVersion: active?.version ?? null,
    segmentSizes,
    topTags: sampled.interestTags,
    tagSampleSize: sampled.sampleSize,
    preferenceShares: [...prefCounts]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
      .map(([preference, users]) => ({ preference, users, share: shareOf(users, prefUsers.length) })),
    preferenceSampleSize: prefUsers.length,
  };
}

/** Builds and stores the report of `now`'s UTC day. */
export async function writeDailyReport(db: Db, config: PortraitConfig, logger: Logger, now: Date): Promise<DailyReport> {
  // checks of its own (a fresh model cache, no drift cached by the day's readings): the drift of the day's profiles
  const checks = new HealthChecks(db, config, new ActiveModelCache(), logger);
  const health = await readSystemHealth(db, config, now, Math.min(DAY_MINUTES, MAX_WINDOW_MINUTES), checks);
  const report: DailyReport = {
    date: now.toISOString().slice(0, 10),
    health,
    rating: rating(healthScore(health)),
    recommendations: recommendations(health, health.liveSegments, config.health),
    summary: await summary(db, config, now),
  };
  await db.$executeRaw`
    INSERT INTO daily_reports (date, health, rating, recommendations, summary, created_at)
    VALUES (${report.date}::date, ${JSON.stringify(health)}::jsonb, ${report.rating},
            ${JSON.stringify(report.recommendations)}::jsonb, ${JSON.stringify(report.summary)}::jsonb, ${now.toISOString()}::timestamptz)
    ON CONFLICT (date) DO UPDATE SET health = EXCLUDED.health, rating = EXCLUDED.rating,
      recommendations = EXCLUDED.recommendations, summary = EXCLUDED.summary, created_at = EXCLUDED.created_at`;
  return report;
}

export function parseFirst(value: number | null | undefined): number {
  const n = value ?? 7;
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPORTS) throw badInput('first', `must be an integer from 1 to ${MAX_REPORTS}`);
  return n;
}

/** The newest `first` reports. */
export async function listDailyReports(db: Db, first: number): Promise<DailyReport[]> {
  const rows = await db.dailyReport.findMany({ orderBy: { date: 'desc' }, take: first });
  return rows.map((r) => ({
    date: r.date.toISOString().slice(0, 10),
    health: storedHealthSchema.parse(r.health),
    rating: z.enum(RATINGS).parse(r.rating),
    recommendations: recommendationsSchema.parse(r.recommendations),
    summary: r.summary,
  }));
}

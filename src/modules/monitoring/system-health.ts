// systemHealth: the figures of a window merged from every process's rows of the operation store, the job queues, the
// active model's cluster diversity, a probe prediction and feature drift (health-checks.ts), and the issues they raise
// against config/portrait.json `health`.
import type { Db } from '../../db/client.ts';
import { placedCounts } from '../profiles/placements.ts';
import { fromPrisma } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { badInput } from '../../errors.ts';
import { histogramQuantile } from '../../compute/metrics/histogram.ts';
import { healthIssues, healthStatus, type HealthIssue, type HealthStatus } from '../../rules/health.ts';
import { findActiveModelWithSegments } from '../segmentation/model-store.ts';
import { distributionStats, type DistributionStats } from '../quality/quality-summary.ts';
import { LATENCY_BOUNDS_MS } from './operation-store.ts';
import type { HealthChecks, PredictionCheck } from './health-checks.ts';

export const MAX_WINDOW_MINUTES = 1440;
const MINUTE_MS = 60_000;

export interface QueueDepth {
  kind: string;
  queued: number;
  oldestAgeSeconds: number | null;
}

export interface SystemHealth {
  status: HealthStatus;
  windowMinutes: number;
  operations: number;
  errorRate: number;
  meanLatencyMs: number | null;
  p95LatencyMs: number | null;
  eventsPerSecond: number;
  profileLagMs: DistributionStats;
  queues: QueueDepth[];
  clusterDiversity: number | null;
  /** segments of the active model with at least one user now; null without an active model */
  liveSegments: number | null;
  /** the probe prediction through the active model; null without one */
  prediction: PredictionCheck | null;
  /** the largest PSI of the active model's features (drift cached per process); null without a model or bins */
  maxFeaturePsi: number | null;
  issues: HealthIssue[];
}

export function parseWindowMinutes(value: number | null | undefined): number {
  const w = value ?? 60;
  if (!Number.isInteger(w) || w < 1 || w > MAX_WINDOW_MINUTES) throw badInput('windowMinutes', `must be an integer from 1 to ${MAX_WINDOW_MINUTES}`);
  return w;
}

interface WindowTotals {
  operations: number;
  failed: number;
  latency_sum: number;
  events: number;
  lag_count: number;
  lag_sum: number;
  lag_max: number | null;
}

/** The window's minutes: the current one and the windowMinutes - 1 before it. */
async function windowFigures(db: Db, now: Date, windowMinutes: number) {
  const from = new Date((Math.floor(now.getTime() / MINUTE_MS) - (windowMinutes - 1)) * MINUTE_MS).toISOString();
  const to = now.toISOString();
  const [t] = await db.$queryRaw<WindowTotals[]>`
    SELECT coalesce(sum(operations), 0)::int AS operations, coalesce(sum(failed), 0)::int AS failed,
           coalesce(sum(latency_sum_ms), 0)::float8 AS latency_sum, coalesce(sum(events), 0)::int AS events,
           coalesce(sum(lag_count), 0)::int AS lag_count, coalesce(sum(lag_sum_ms), 0)::float8 AS lag_sum,
           max(lag_max_ms)::float8 AS lag_max
    FROM operation_minutes WHERE minute >= ${from}::timestamptz AND minute <= ${to}::timestamptz`;
  const buckets = await db.$queryRaw<{ i: number; latency: number; lag: number }[]>`
    SELECT b.i::int AS i, sum(b.latency)::int AS latency, sum(b.lag)::int AS lag
    FROM operation_minutes m, unnest(m.latency_buckets, m.lag_buckets) WITH ORDINALITY AS b(latency, lag, i)
    WHERE m.minute >= ${from}::timestamptz AND m.minute <= ${to}::timestamptz
    GROUP BY b.i ORDER BY b.i`;
  const latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  const lag = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  for (const b of buckets) {
    if (b.i - 1 < latency.length) {
      latency[b.i - 1] = b.latency;
      lag[b.i - 1] = b.lag;
    }
  }
  return { totals: t!, latency, lag };
}

async function queueDepths(db: Db, now: Date): Promise<QueueDepth[]> {
  return db.$queryRaw<QueueDepth[]>`
    SELECT kind, count(*)::int AS queued,
           greatest(0, extract(epoch FROM ${now.toISOString()}::timestamptz - min(run_after)))::float8 AS "oldestAgeSeconds"
    FROM jobs WHERE status = 'QUEUED' GROUP BY kind ORDER BY kind`;
}

type ActiveModel = NonNullable<Awaited<ReturnType<typeof findActiveModelWithSegments>>>;

/** 1 - sum of squared live shares of the active model's segments (shares of the users assigned to it). */
async function diversity(db: Db, active: ActiveModel | null): Promise<{ clusterDiversity: number | null; liveSegments: number | null }> {
  if (!active) return { clusterDiversity: null, liveSegments: null };
  const live = await placedCounts(fromPrisma(db), active.segments.map((s) => s.id));
  const total = [...live.values()].reduce((s, n) => s + n, 0);
  if (total === 0) return { clusterDiversity: null, liveSegments: 0 };
  const concentration = [...live.values()].reduce((s, n) => s + (n / total) ** 2, 0);
  return { clusterDiversity: 1 - concentration, liveSegments: live.size };
}

/** The active model's checks: the probe prediction and the largest feature PSI (null when it keeps no bins). */
async function modelChecks(active: ActiveModel | null, checks: HealthChecks, now: Date): Promise<{ prediction: PredictionCheck | null; maxFeaturePsi: number | null }> {
  if (!active) return { prediction: null, maxFeaturePsi: null };
  const prediction = await checks.prediction();
  // drift that cannot be computed comes back empty (HealthChecks logs why): the figure is unknown, the reading goes on
  const drift = await checks.featureDrift(active, now);
  return { prediction, maxFeaturePsi: drift.length > 0 ? Math.max(...drift.map((d) => d.psi)) : null };
}

export async function readSystemHealth(db: Db, config: PortraitConfig, now: Date, windowMinutes: number, checks: HealthChecks): Promise<SystemHealth> {
  const { totals: t, latency, lag } = await windowFigures(db, now, windowMinutes);
  const queues = await queueDepths(db, now);
  const active = await findActiveModelWithSegments(db);
  const { clusterDiversity, liveSegments } = await diversity(db, active);
  const { prediction, maxFeaturePsi } = await modelChecks(active, checks, now);
  const errorRate = t.operations > 0 ? t.failed / t.operations : 0;
  const meanLatencyMs = t.operations > 0 ? t.latency_sum / t.operations : null;
  const oldest = queues.reduce<number | null>((m, q) => (q.oldestAgeSeconds === null ? m : Math.max(m ?? 0, q.oldestAgeSeconds)), null);
  const issues = healthIssues(
    {
      operations: t.operations,
      errorRate,
      meanLatencyMs,
      clusterDiversity,
      oldestQueuedSeconds: oldest,
      predictionOk: prediction ? prediction.ok : null,
      featureDrift: maxFeaturePsi === null ? null : { maxPsi: maxFeaturePsi, threshold: config.quality.psiThreshold },
    },
    config.health,
  );
  return {
    status: healthStatus(issues),
    windowMinutes,
    operations: t.operations,
    errorRate,
    meanLatencyMs,
    p95LatencyMs: histogramQuantile(latency, LATENCY_BOUNDS_MS, 0.95),
    eventsPerSecond: t.events / (windowMinutes * 60),
    profileLagMs: distributionStats({
      count: t.lag_count,
      mean: t.lag_count > 0 ? t.lag_sum / t.lag_count : null,
      p50: histogramQuantile(lag, LATENCY_BOUNDS_MS, 0.5, t.lag_max),
      p90: histogramQuantile(lag, LATENCY_BOUNDS_MS, 0.9, t.lag_max),
      max: t.lag_max,
    }),
    queues,
    clusterDiversity,
    liveSegments,
    prediction,
    maxFeaturePsi,
    issues,
  };
}

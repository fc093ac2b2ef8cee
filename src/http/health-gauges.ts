// The system health's figures as Prometheus gauges (the same reading as `systemHealth(windowMinutes: 60)`), computed
// once per scrape from the operation store, the job queues and the active model. A failed reading leaves the gauges
// empty for that scrape rather than failing /metrics.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { SystemHealth } from '../modules/monitoring/system-health.ts';

const STATUS_VALUE = { HEALTHY: 0, WARNING: 1, CRITICAL: 2 } as const;

export function registerHealthGauges(registry: Registry, read: () => Promise<SystemHealth>, logger: Logger, prefix = 'portrait_'): void {
  // One reading per scrape, shared by every gauge (prom-client may collect them concurrently).
  let reading: Promise<SystemHealth | null> | null = null;
  const current = (): Promise<SystemHealth | null> =>
    (reading ??= read()
      .catch((err: unknown) => {
        logger.warn({ err }, 'health gauges: reading failed');
        return null;
      })
      .finally(() => setTimeout(() => (reading = null), 0)));
  /** A gauge whose values are set from the scrape's reading (and emptied when there is none). */
  const gauge = (name: string, help: string, labelNames: readonly string[], fill: (g: Gauge<string>, h: SystemHealth) => void) =>
    new Gauge({
      name: `${prefix}${name}`,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const h = await current();
        this.reset();
        if (h) fill(this, h);
      },
    });
  const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
  const setIf = (g: Gauge<string>, v: number | null, labels: Record<string, string> = {}) => {
    if (v !== null) g.set(labels, v);
  };

  gauge('health_status', 'System health over the last 60 minutes: 0 healthy, 1 warning, 2 critical', [], (g, h) => g.set(STATUS_VALUE[h.status]));
  gauge('health_operations', 'GraphQL operations over the last 60 minutes, every process', [], (g, h) => g.set(h.operations));
  gauge('health_error_rate', 'Failed / all GraphQL operations over the last 60 minutes', [], (g, h) => g.set(h.errorRate));
  gauge('health_p95_latency_seconds', 'p95 GraphQL latency over the last 60 minutes (merged histogram)', [], (g, h) => setIf(g, seconds(h.p95LatencyMs)));
  gauge('health_events_per_second', 'Accepted events per second over the last 60 minutes', [], (g, h) => g.set(h.eventsPerSecond));
  gauge('health_profile_lag_seconds', 'Event arrival to committed profile update over the last 60 minutes', ['stat'], (g, h) => {
    for (const stat of ['mean', 'p50', 'p90', 'max'] as const) setIf(g, seconds(h.profileLagMs[stat]), { stat });
  });
  gauge('health_queue_depth', 'Queued jobs by kind', ['kind'], (g, h) => h.queues.forEach((q) => g.set({ kind: q.kind }, q.queued)));
  gauge('health_queue_oldest_seconds', 'Wait of the oldest queued job by kind', ['kind'], (g, h) =>
    h.queues.forEach((q) => setIf(g, q.oldestAgeSeconds, { kind: q.kind })),
  );
  gauge('health_cluster_diversity', '1 - sum of squared live segment shares of the active model', [], (g, h) => setIf(g, h.clusterDiversity));
  gauge('health_prediction_ok', 'Probe prediction through the active model: 1 ok, 0 failed (absent without a model)', [], (g, h) =>
    setIf(g, h.prediction ? Number(h.prediction.ok) : null),
  );
  gauge('health_prediction_latency_seconds', 'Time of the probe prediction through the active model', [], (g, h) =>
    setIf(g, seconds(h.prediction?.latencyMs ?? null)),
  );
  gauge('health_max_feature_psi', "Largest population stability index of the active model's features (cached per process)", [], (g, h) =>
    setIf(g, h.maxFeaturePsi),
  );
  gauge('health_issue', 'Issues of the reading, 1 per code (ERROR_RATE, LATENCY, LOW_DIVERSITY, QUEUE_BACKLOG, PREDICTION, DRIFT)', ['code'], (g, h) =>
    h.issues.forEach((i) => g.set({ code: i.code }, 1)),
  );
}

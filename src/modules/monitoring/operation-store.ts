// systemHealth's rolling store. Each process counts its GraphQL operations (failures, latency) and its ingested events
// (arrival to committed profile update) per UTC minute in memory, and adds them every few seconds to its own row of
// `operation_minutes` (one upsert per minute touched); readers merge every process's rows of a window with SQL.
// Rows older than RETENTION are pruned, so the table stays a few thousand rows per process.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { bucketOf } from '../../compute/metrics/histogram.ts';

/** Upper bounds of the latency and lag histogram buckets (ms); one more bucket holds everything above. */
export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000] as const;
const BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** Two days: the daily report reads the last 24 hours; the rest is margin for a late run. */
const RETENTION_MS = 48 * 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const FLUSH_EVERY_MS = 5_000;
const MINUTE_MS = 60_000;

interface MinuteFigures {
  operations: number;
  failed: number;
  latencySumMs: number;
  latencyBuckets: number[];
  events: number;
  lagCount: number;
  lagSumMs: number;
  lagMaxMs: number;
  lagBuckets: number[];
}

const empty = (): MinuteFigures => ({
  operations: 0,
  failed: 0,
  latencySumMs: 0,
  latencyBuckets: new Array<number>(BUCKETS).fill(0),
  events: 0,
  lagCount: 0,
  lagSumMs: 0,
  lagMaxMs: 0,
  lagBuckets: new Array<number>(BUCKETS).fill(0),
});

function merge(into: MinuteFigures, from: MinuteFigures): void {
  into.operations += from.operations;
  into.failed += from.failed;
  into.latencySumMs += from.latencySumMs;
  into.events += from.events;
  into.lagCount += from.lagCount;
  into.lagSumMs += from.lagSumMs;
  into.lagMaxMs = Math.max(into.lagMaxMs, from.lagMaxMs);
  from.latencyBuckets.forEach((c, i) => (into.latencyBuckets[i]! += c));
  from.lagBuckets.forEach((c, i) => (into.lagBuckets[i]! += c));
}

const sumArrays = (column: string) =>
  `ARRAY(SELECT coalesce(a, 0) + coalesce(b, 0) FROM unnest(operation_minutes.${column}, EXCLUDED.${column}) WITH ORDINALITY AS t(a, b, i) ORDER BY i)`;

const UPSERT = `
  INSERT INTO operation_minutes (minute, process_id, operations, failed, latency_sum_ms, latency_buckets, events, lag_count, lag_sum_ms, lag_max_ms, lag_buckets)
  VALUES ($1::timestamptz, $2, $3::int, $4::int, $5::float8, $6::int[], $7::int, $8::int, $9::float8, $10::float8, $11::int[])
  ON CONFLICT (minute, process_id) DO UPDATE SET
    operations = operation_minutes.operations + EXCLUDED.operations,
    failed = operation_minutes.failed + EXCLUDED.failed,
    latency_sum_ms = operation_minutes.latency_sum_ms + EXCLUDED.latency_sum_ms,
    latency_buckets = ${sumArrays('latency_buckets')},
    events = operation_minutes.events + EXCLUDED.events,
    lag_count = operation_minutes.lag_count + EXCLUDED.lag_count,
    lag_sum_ms = operation_minutes.lag_sum_ms + EXCLUDED.lag_sum_ms,
    lag_max_ms = greatest(operation_minutes.lag_max_ms, EXCLUDED.lag_max_ms),
    lag_buckets = ${sumArrays('lag_buckets')}`;

export class OperationRecorder {
  private pending = new Map<number, MinuteFigures>();
  private timer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  private flushing: Promise<void> = Promise.resolve();
  /** this process's row key: host, pid and a random part (a restarted process never adds to a dead one's row) */
  readonly processId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    private readonly logger: Logger,
  ) {}

  private current(): MinuteFigures {
    const minute = Math.floor(this.now().getTime() / MINUTE_MS) * MINUTE_MS;
    let m = this.pending.get(minute);
    if (!m) this.pending.set(minute, (m = empty()));
    return m;
  }

  /** One GraphQL operation: how long it took and whether it failed (errors in the response, or refused). */
  recordOperation(durationMs: number, failed: boolean): void {
    const m = this.current();
    m.operations++;
    if (failed) m.failed++;
    m.latencySumMs += durationMs;
    m.latencyBuckets[bucketOf(durationMs, LATENCY_BOUNDS_MS)]!++;
  }

  /** `events` accepted events whose profile updates committed `lagMs` after the batch arrived. */
  recordIngest(events: number, lagMs: number): void {
    if (events <= 0) return;
    const m = this.current();
    m.events += events;
    m.lagCount += events;
    m.lagSumMs += lagMs * events;
    m.lagMaxMs = Math.max(m.lagMaxMs, lagMs);
    m.lagBuckets[bucketOf(lagMs, LATENCY_BOUNDS_MS)]! += events;
  }

  /** Adds what was counted since the last flush to the store (serialised: one flush at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    try {
      for (const [minute, m] of batch) {
        await this.db.$executeRawUnsafe(
          UPSERT,
          new Date(minute).toISOString(), this.processId, m.operations, m.failed, m.latencySumMs, m.latencyBuckets,
          m.events, m.lagCount, m.lagSumMs, m.lagMaxMs, m.lagBuckets,
        );
        batch.delete(minute);
      }
      const now = this.now().getTime();
      if (now - this.lastPrune > PRUNE_EVERY_MS) {
        this.lastPrune = now;
        await this.db.$executeRaw`DELETE FROM operation_minutes WHERE minute < ${new Date(now - RETENTION_MS).toISOString()}::timestamptz`;
      }
    } catch (err) {
      // kept for the next flush: an outage delays the figures, it does not lose them
      for (const [minute, m] of batch) {
        const into = this.pending.get(minute);
        if (into) merge(into, m);
        else this.pending.set(minute, m);
      }
      this.logger.warn({ err }, 'could not write the operation figures; will retry');
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}

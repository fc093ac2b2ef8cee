// Health alerts. When a reading of the health is worse than the last one any process recorded (a higher status, or an
// issue that was not there), the change is logged and, when PORTRAIT_ALERT_URL is set, POSTed there signed with
// HMAC-SHA256 (X-Portrait-Signature: sha256=<hex of the body>), retried with backoff. An issue code is alerted at most
// once per interval across every process: the code is claimed in `alert_throttle` before anything is sent.
import { createHmac } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import { issueMessage, worse, type HealthStatus } from '../../rules/health.ts';
import type { SystemHealth } from './system-health.ts';

export interface AlertOptions {
  url: string | null;
  secret: string | null;
  intervalMinutes: number;
  /** delivery attempts (first + retries) and the first backoff; doubled after each failure */
  attempts?: number;
  backoffMs?: number;
}

export const SIGNATURE_HEADER = 'x-portrait-signature';

export const signBody = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const isStatus = (s: string | null): s is HealthStatus => s === 'HEALTHY' || s === 'WARNING' || s === 'CRITICAL';
/** The last recorded status; none yet reads as HEALTHY. */
const asStatus = (s: string | null): HealthStatus => (isStatus(s) ? s : 'HEALTHY');

export class HealthAlerts {
  private readonly deliveries = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly opts: AlertOptions,
  ) {}

  /** Records the reading as the last seen health and alerts when it is worse; returns the codes alerted. */
  async check(health: SystemHealth, now: Date): Promise<string[]> {
    const codes = health.issues.map((i) => i.code);
    // The previous reading and the new one in one statement: concurrent checks queue on the row lock and each sees
    // the one before it.
    const [prev] = await this.db.$queryRaw<{ status: string | null; codes: string[] | null }[]>`
      WITH prev AS (SELECT status, issue_codes FROM health_state WHERE id = 1 FOR UPDATE)
      INSERT INTO health_state (id, status, issue_codes, updated_at) VALUES (1, ${health.status}, ${codes}::text[], ${now.toISOString()}::timestamptz)
      ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, issue_codes = EXCLUDED.issue_codes, updated_at = EXCLUDED.updated_at
      RETURNING (SELECT status FROM prev) AS status, (SELECT issue_codes FROM prev) AS codes`;
    const before = asStatus(prev?.status ?? null);
    const known = new Set(prev?.codes ?? []);
    const fresh = health.issues.filter((i) => !known.has(i.code));
    if (health.status === 'HEALTHY' || (!worse(health.status, before) && fresh.length === 0)) return [];
    const candidates = worse(health.status, before) ? codes : fresh.map((i) => i.code);
    const claimed = await this.db.$queryRaw<{ code: string }[]>`
      INSERT INTO alert_throttle (code, sent_at) SELECT unnest(${candidates}::text[]), ${now.toISOString()}::timestamptz
      ON CONFLICT (code) DO UPDATE SET sent_at = EXCLUDED.sent_at
        WHERE alert_throttle.sent_at <= EXCLUDED.sent_at - make_interval(mins => ${this.opts.intervalMinutes}::int)
      RETURNING code`;
    const alerted = new Set(claimed.map((c) => c.code));
    const issues = health.issues
      .filter((i) => alerted.has(i.code))
      .map((i) => ({ code: i.code, severity: i.severity, value: i.value, threshold: i.threshold, message: issueMessage(i, 'EN'), messageZh: issueMessage(i, 'ZH') }));
    this.logger.warn({ status: health.status, previous: before, issues: health.issues.map((i) => i.code), alerted: [...alerted] }, 'health worsened');
    if (issues.length === 0 || !this.opts.url || !this.opts.secret) return [...alerted];
    const body = JSON.stringify({ status: health.status, previousStatus: before, windowMinutes: health.windowMinutes, at: now.toISOString(), issues });
    const delivery = this.deliver(this.opts.url, this.opts.secret, body).finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
    return [...alerted];
  }

  /** Sends one alert, retrying a failed attempt (network error or non-2xx) after a growing pause. Never throws. */
  private async deliver(url: string, secret: string, body: string): Promise<void> {
    const attempts = this.opts.attempts ?? 4;
    let pause = this.opts.backoffMs ?? 500;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, body) },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        if (res.ok) return;
        this.logger.warn({ status: res.status, attempt }, 'alert delivery refused');
      } catch (err) {
        this.logger.warn({ err, attempt }, 'alert delivery failed');
      }
      if (attempt < attempts) await new Promise((r) => setTimeout(r, pause));
      pause *= 2;
    }
    this.logger.error({ attempts }, 'alert not delivered');
  }

  /** Resolves when every delivery started so far has ended (shutdown; tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.deliveries]);
  }
}

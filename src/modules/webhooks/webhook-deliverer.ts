// The webhook loop of one process (started with the job worker): fan the outbox out to deliveries, claim due
// deliveries up to the concurrency, POST each signed, record the outcome. Any number of processes run it on one
// database (fan-out.ts, delivery-queue.ts say why each change is delivered once per hook).
import type { Db } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { WebhookSettings } from '../../config/env.ts';
import { signBody, SIGNATURE_HEADER } from '../monitoring/alerts.ts';
import { fanOut, FANOUT_BATCH } from './fan-out.ts';
import { claimDeliveries, recordDelivered, recordFailed, type ClaimedDelivery } from './delivery-queue.ts';
import { postWebhook, type PostOutcome } from './post-webhook.ts';
import { resolveTarget, TargetRefused } from './url-policy.ts';

export const DELIVERY_HEADER = 'x-portrait-delivery';
export const TIMESTAMP_HEADER = 'x-portrait-timestamp';
/** fan-out passes per tick at most, so delivering is never starved by a large backlog */
const MAX_PASSES_PER_TICK = 10;
/** beyond the DNS and request bounds, time to record the outcome before another process may claim it again */
const LEASE_MARGIN_MS = 30_000;

/** The JSON POSTed for one change; sentAt is signed with it, so a receiver can refuse old replays. */
export function deliveryBody(d: ClaimedDelivery, sentAt: Date): string {
  return JSON.stringify({
    deliveryId: d.id,
    webhookId: d.webhookId,
    userId: d.userId,
    kind: d.kind,
    targetId: d.targetId,
    entered: d.entered,
    at: d.at.toISOString(),
    sentAt: sentAt.toISOString(),
  });
}

export class WebhookDeliverer {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private ticking = false;
  /**
   * When the outbox is next read: at once while it has a backlog, else at the next scheduled tick. A tick
   * also comes each time a delivery ends (a slot is free), and those only claim: reading the outbox on each of them
   * cost a fan-out transaction per delivery (a million after an activation).
   */
  private fanOutDueAt = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly settings: WebhookSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops claiming; waits for the requests under way to end and their outcomes to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    while (this.ticking || this.inFlight.size > 0) {
      await Promise.all([...this.inFlight]);
      if (this.ticking) await new Promise((r) => setTimeout(r, 10));
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.ticking) return;
    this.ticking = true;
    let again = false;
    try {
      if (Date.now() >= this.fanOutDueAt) {
        // Half a poll interval: the next scheduled tick (a poll interval away, give or take a timer's slack) reads it.
        // Set before the passes, so that a fan-out that fails (the database away) is not tried again by every
        // delivery that ends meanwhile, only by the next poll.
        this.fanOutDueAt = Date.now() + this.settings.pollMs / 2;
        for (let pass = 0; pass < MAX_PASSES_PER_TICK && !this.stopped; pass++) {
          const { read, made } = await fanOut(this.db);
          if (made > 0) this.logger.debug({ read, made }, 'webhook deliveries made');
          if (read < FANOUT_BATCH) break;
          if (pass === MAX_PASSES_PER_TICK - 1) {
            // a backlog: read on at once
            this.fanOutDueAt = 0;
            again = true;
          }
        }
      }
      const free = this.settings.concurrency - this.inFlight.size;
      if (free > 0 && !this.stopped) {
        const lease = this.settings.connectTimeoutMs + this.settings.timeoutMs + LEASE_MARGIN_MS;
        const claimed = await claimDeliveries(this.db, free, lease);
        for (const d of claimed) this.track(this.deliver(d));
        if (claimed.length === free) again = true;
      }
    } catch (err) {
      if (!this.stopped) this.logger.warn({ err }, 'webhook loop error');
    } finally {
      this.ticking = false;
    }
    this.schedule(again ? 0 : this.settings.pollMs);
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => {
      this.inFlight.delete(tracked);
      this.schedule(0); // a slot is free: look for more
    });
    this.inFlight.add(tracked);
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const log = this.logger.child({ webhookId: d.webhookId, deliveryId: d.id, attempt: d.attempts });
    try {
      const outcome = await this.send(d);
      if (outcome.delivered) {
        await recordDelivered(this.db, d, outcome.statusCode ?? 200);
        return;
      }
      const disabled = await recordFailed(this.db, d, outcome.statusCode, outcome.error ?? 'failed', this.settings);
      log.info({ status: outcome.statusCode, error: outcome.error }, 'webhook delivery failed');
      if (disabled) log.warn({ error: outcome.error }, 'webhook disabled: deliveries kept failing for the whole retry window');
    } catch (err) {
      // the outcome could not be recorded (database unavailable): the lease runs out and the delivery is sent again
      log.warn({ err }, 'webhook delivery outcome not recorded');
    }
  }

  private async send(d: ClaimedDelivery): Promise<PostOutcome> {
    const url = new URL(d.url);
    let target;
    try {
      // checked again at every delivery: the host's DNS may have changed since the hook was made
      target = await resolveTarget(url, this.settings.publicOnly, this.settings.connectTimeoutMs);
    } catch (err) {
      if (err instanceof TargetRefused) return { delivered: false, statusCode: null, error: err.message };
      throw err;
    }
    const sentAt = new Date();
    const body = deliveryBody(d, sentAt);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Portrait-Webhooks/1',
      [SIGNATURE_HEADER]: signBody(d.secret, body),
      [DELIVERY_HEADER]: d.id,
      [TIMESTAMP_HEADER]: sentAt.toISOString(),
    };
    return postWebhook(url, target, headers, body, this.settings);
  }
}

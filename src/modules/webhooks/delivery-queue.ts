// The deliveries as a queue: claimed with FOR UPDATE SKIP LOCKED by any number of processes, each claim taking a lease
// (next_attempt_at moves past the request's bounds and a fresh claim id is stamped), so no other process claims the
// delivery while it is being sent, and one whose process died is claimed again when the lease runs out. A result is
// recorded only under the claim that made the request (a late answer after a lease ran out changes nothing). Nor does
// the answer to a delivery deleted while it was sent, by an erasure of its user or deleteWebhook: recording it updates
// no row (an UPDATE, never an upsert, so nothing is created again).
//
// At-least-once: a process killed after the receiver answered and before the result committed leaves the delivery to
// be sent again after the lease; receivers deduplicate by the X-Portrait-Delivery id.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';

export interface ClaimedDelivery {
  id: string;
  claim: string;
  webhookId: string;
  url: string;
  secret: string;
  userId: string;
  kind: string;
  targetId: string;
  entered: boolean;
  at: Date;
  /** including this one */
  attempts: number;
}

/** Claims up to `limit` due deliveries of enabled hooks, oldest due first, leasing each for leaseMs. */
export function claimDeliveries(db: Db, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return fromPrisma(db).query<ClaimedDelivery>(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d JOIN webhooks h ON h.id = d.webhook_id
       WHERE d.status = 'PENDING' AND d.next_attempt_at <= now() AND h.disabled_at IS NULL
       ORDER BY d.next_attempt_at
       LIMIT $1::int
       FOR UPDATE OF d SKIP LOCKED)
     UPDATE webhook_deliveries d
     SET claim = gen_random_uuid(), attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2::float8 / 1000)
     FROM due, webhooks h
     WHERE d.id = due.id AND h.id = d.webhook_id
     RETURNING d.id::text AS id, d.claim::text AS claim, d.webhook_id::text AS "webhookId", h.url, h.secret, d.user_id AS "userId",
               d.kind, d.target_id::text AS "targetId", d.entered, d.at, d.attempts`,
    [limit, leaseMs],
  );
}

export async function recordDelivered(db: Db, d: ClaimedDelivery, statusCode: number): Promise<void> {
  await fromPrisma(db).query(
    `UPDATE webhook_deliveries SET status = 'DELIVERED', delivered_at = now(), last_status_code = $3, last_error = NULL, claim = NULL
     WHERE id = $1::uuid AND claim = $2::uuid`,
    [d.id, d.claim, statusCode],
  );
}

export interface RetryPolicy {
  retryBaseMs: number;
  retryMaxMs: number;
  retryWindowMs: number;
}

/** The pause before attempt n+1 after n failed: base * 2^(n-1), capped, times a random 0.5 to 1 (spreads retries). */
export function backoffMs(attempts: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.min(attempts - 1, 40));
  return Math.round(exponential * (0.5 + 0.5 * random()));
}

/**
 * Records a failed attempt. Within the retry window (counted from when the delivery was made) the next attempt is
 * scheduled after the backoff, never later than the window's end, so a last attempt is made then; a failure at or
 * after the window's end fails the delivery and disables its hook with the reason, in the same statement, and fails
 * the hook's other pending deliveries too (not sent).
 * Returns whether the hook was disabled by this call.
 */
export async function recordFailed(db: Db, d: ClaimedDelivery, statusCode: number | null, error: string, policy: RetryPolicy): Promise<boolean> {
  const windowText = humanDuration(policy.retryWindowMs);
  const reason = `deliveries kept failing for ${windowText} (delivery ${d.id}, ${d.attempts} attempts); last error: ${error}`;
  const [row] = await fromPrisma(db).query<{ disabled: number; dropped: number }>(
    `WITH d AS (
       UPDATE webhook_deliveries
       SET last_status_code = $3, last_error = $4, claim = NULL,
           status = CASE WHEN now() >= created_at + make_interval(secs => $6::float8 / 1000) THEN 'FAILED' ELSE 'PENDING' END,
           next_attempt_at = LEAST(now() + make_interval(secs => $5::float8 / 1000), created_at + make_interval(secs => $6::float8 / 1000))
       WHERE id = $1::uuid AND claim = $2::uuid AND status = 'PENDING' -- not one failed meanwhile by its hook's disabling
       RETURNING status, webhook_id),
     h AS (
       UPDATE webhooks SET disabled_at = now(), disabled_reason = $7
       FROM d WHERE webhooks.id = d.webhook_id AND d.status = 'FAILED' AND webhooks.disabled_at IS NULL
       RETURNING webhooks.id),
     -- the hook's other pending deliveries will not be sent: out of the due index, so claims need not skip them
     -- (a claim under way keeps its claim id, so its outcome is still recorded)
     dropped AS (
       UPDATE webhook_deliveries SET status = 'FAILED', last_error = 'not sent: the webhook was disabled'
       WHERE webhook_id IN (SELECT id FROM h) AND status = 'PENDING' AND id <> $1::uuid
       RETURNING 1)
     SELECT (SELECT count(*)::int FROM h) AS disabled, (SELECT count(*)::int FROM dropped) AS dropped`,
    [d.id, d.claim, statusCode, error.slice(0, 1_000), backoffMs(d.attempts, policy), policy.retryWindowMs, reason.slice(0, 2_000)],
  );
  return (row?.disabled ?? 0) > 0;
}

function humanDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? '' : 's'}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

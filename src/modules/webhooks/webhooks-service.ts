// Creating, listing and deleting webhooks, and reading their delivery log (ADMIN).
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Webhook } from '../../generated/prisma/client.ts';
import type { WebhookDelivery as GeneratedDelivery, WebhookDeliveryStatus, WebhookInput } from '../../generated/graphql.ts';
import type { MembershipChange } from '../notifications/change-hub.ts';
import type { WebhookSettings } from '../../config/env.ts';
import { fromPrisma } from '../../db/sql.ts';
import { isUuid } from '../../db/uuid.ts';
import { badInput } from '../../errors.ts';
import { resolveTarget, TargetRefused, urlProblem } from './url-policy.ts';

/** A webhook as the API shows it: never its secret. */
export type WebhookRow = Omit<Webhook, 'secret'>;

export const MAX_TARGETS = 100;

/** The targets' problem: not a UUID, or neither an audience id nor a segment lineage (any model's). */
async function checkTargets(db: Db, targetIds: readonly string[]): Promise<string[]> {
  if (targetIds.length === 0) throw badInput('input.targetIds', 'name at least one audience id or segment lineage');
  if (targetIds.length > MAX_TARGETS) throw badInput('input.targetIds', `at most ${MAX_TARGETS} targets per webhook`);
  targetIds.forEach((id, i) => {
    if (!isUuid(id)) throw badInput(`input.targetIds[${i}]`, `"${id.slice(0, 64)}" is not an audience id or a segment lineage (a UUID)`);
  });
  const wanted = [...new Set(targetIds.map((id) => id.toLowerCase()))];
  const missing = await fromPrisma(db).query<{ id: string }>(
    `SELECT t.id::text AS id FROM unnest($1::uuid[]) AS t(id)
     WHERE NOT EXISTS (SELECT 1 FROM audiences a WHERE a.id = t.id)
       AND NOT EXISTS (SELECT 1 FROM segments s WHERE s.lineage = t.id)`,
    [wanted],
  );
  if (missing.length > 0) {
    const absent = new Set(missing.map((m) => m.id));
    const i = targetIds.findIndex((id) => absent.has(id.toLowerCase()));
    throw badInput(`input.targetIds[${i}]`, `${targetIds[i]} is neither an audience id nor a segment lineage`);
  }
  return wanted;
}

/** Creates a hook and returns it with its secret (the only time the secret is shown). */
export async function createWebhook(db: Db, input: WebhookInput, settings: WebhookSettings): Promise<{ webhook: WebhookRow; secret: string }> {
  const problem = urlProblem(input.url);
  if (problem) throw badInput('input.url', problem);
  const targetIds = await checkTargets(db, input.targetIds);
  const url = new URL(input.url);
  if (settings.publicOnly) {
    try {
      await resolveTarget(url, true, settings.connectTimeoutMs);
    } catch (err) {
      if (err instanceof TargetRefused) throw badInput('input.url', err.message);
      throw err;
    }
  }
  const secret = randomBytes(32).toString('hex');
  const webhook = await db.webhook.create({ data: { url: url.href, targetIds, secret }, omit: { secret: true } });
  return { webhook, secret };
}

export const listWebhooks = (db: Db): Promise<WebhookRow[]> =>
  db.webhook.findMany({ omit: { secret: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });

/** Removes the hook and its delivery log; no delivery of it is claimed after this commits. False when there is none. */
export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  return (await db.webhook.deleteMany({ where: { id } })).count > 0;
}

interface DeliveryRecord {
  id: string;
  changeId: string;
  webhookId: string;
  userId: string;
  kind: string;
  targetId: string;
  entered: boolean;
  at: Date;
  status: string;
  attempts: number;
  nextAttemptAt: Date;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const asStatus = (s: string): WebhookDeliveryStatus => (s === 'DELIVERED' ? 'DELIVERED' : s === 'FAILED' ? 'FAILED' : 'PENDING');

/** A delivery as the API shows it; its change is the outbox row, as the subscription's (src/modules/notifications). */
export type WebhookDeliveryView = Omit<GeneratedDelivery, 'change'> & { change: MembershipChange };

function toView(r: DeliveryRecord): WebhookDeliveryView {
  const status = asStatus(r.status);
  return {
    id: r.id,
    change: { id: r.changeId, userId: r.userId, kind: r.kind === 'AUDIENCE' ? 'AUDIENCE' : 'SEGMENT', targetId: r.targetId, entered: r.entered, at: r.at },
    status,
    attempts: r.attempts,
    lastStatusCode: r.lastStatusCode,
    lastError: r.lastError,
    nextAttemptAt: status === 'PENDING' ? r.nextAttemptAt : null,
    createdAt: r.createdAt,
    deliveredAt: r.deliveredAt,
  };
}

/** Each hook's newest `first` deliveries (of one status, when given), newest first: one query for every hook (ids come from webhook rows). */
export async function deliveriesOf(db: Db, webhookIds: readonly string[], first: number, status: WebhookDeliveryStatus | null): Promise<Map<string, WebhookDeliveryView[]>> {
  const rows = await fromPrisma(db).query<DeliveryRecord>(
    `SELECT d.id::text AS id, d.change_id::text AS "changeId", d.webhook_id::text AS "webhookId", d.user_id AS "userId", d.kind, d.target_id::text AS "targetId",
            d.entered, d.at, d.status, d.attempts, d.next_attempt_at AS "nextAttemptAt", d.last_status_code AS "lastStatusCode",
            d.last_error AS "lastError", d.created_at AS "createdAt", d.delivered_at AS "deliveredAt"
     FROM unnest($1::uuid[]) AS h(id)
     CROSS JOIN LATERAL (
       SELECT * FROM webhook_deliveries d WHERE d.webhook_id = h.id AND ($2::text IS NULL OR d.status = $2::text)
       ORDER BY d.created_at DESC, d.change_id DESC LIMIT $3::int) d
     ORDER BY d.webhook_id, d.created_at DESC, d.change_id DESC`,
    [webhookIds, status, first],
  );
  const byHook = new Map<string, WebhookDeliveryView[]>();
  for (const r of rows) {
    const list = byHook.get(r.webhookId);
    if (list) list.push(toView(r));
    else byHook.set(r.webhookId, [toView(r)]);
  }
  return byHook;
}


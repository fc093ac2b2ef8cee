// Durable schedules: each enabled schedule's latest due slot (cron, UTC) becomes one job, whatever number of
// processes notice it (the slot is the job's dedupe key). A slot missed while nothing ran is caught up once.
import { Cron } from 'croner';
import type { Db } from '../../db/client.ts';
import type { PortraitConfig, ScheduleName } from '../../config/portrait-config.ts';

export const SCHEDULE_NAMES: readonly ScheduleName[] = ['hourly', 'daily', 'weekly'];
export const SCHEDULE_KIND_PREFIX = 'schedule:';
export const scheduleJobKind = (name: ScheduleName) => `${SCHEDULE_KIND_PREFIX}${name}`;

const crons = new Map<string, Cron>();
function cron(expr: string): Cron {
  let c = crons.get(expr);
  if (!c) {
    c = new Cron(expr, { timezone: 'UTC', paused: true });
    crons.set(expr, c);
  }
  return c;
}

const lastSlot = (expr: string, now: Date): Date | null => cron(expr).previousRuns(1, now)[0] ?? null;
export const nextSlot = (expr: string, now: Date): Date | null => cron(expr).nextRun(now);

export function dedupeKey(name: ScheduleName, slot: Date): string {
  return `${name}@${slot.toISOString()}`;
}

/** Queues the latest due slot of every enabled schedule that has no job yet. Returns the schedules queued. */
export async function enqueueDueSchedules(db: Db, config: PortraitConfig, now: Date): Promise<ScheduleName[]> {
  const queued: ScheduleName[] = [];
  for (const name of SCHEDULE_NAMES) {
    const s = config.schedules[name];
    if (!s.enabled) continue;
    const slot = lastSlot(s.cron, now);
    if (!slot) continue;
    const r = await db.$executeRaw`
      INSERT INTO jobs (id, kind, payload, dedupe_key, created_by, run_after)
      VALUES (gen_random_uuid(), ${scheduleJobKind(name)}, ${JSON.stringify({ slot: slot.toISOString() })}::jsonb,
              ${dedupeKey(name, slot)}, 'schedule', now())
      ON CONFLICT (dedupe_key) DO NOTHING`;
    if (r > 0) queued.push(name);
  }
  return queued;
}

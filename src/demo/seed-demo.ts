// Loads the demo population through the same services the API uses (import, then events in batches).
import type pg from 'pg';
import type { Db } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { importUsers } from '../modules/imports/import-users.ts';
import { ingestEvents } from '../modules/events/ingest-events.ts';
import { MAX_EVENTS_PER_CALL } from '../modules/events/validate-event.ts';
import { generateDemoData } from './demo-data.ts';

export async function seedDemo(db: Db, opts: { pool: pg.Pool; users: number; now: Date; dailyDecay: number; logger: Logger }): Promise<void> {
  const started = Date.now();
  const { users, events } = generateDemoData(opts.users, opts.now);
  for (let i = 0; i < users.length; i += MAX_EVENTS_PER_CALL) await importUsers(db, users.slice(i, i + MAX_EVENTS_PER_CALL), { now: opts.now });
  for (let i = 0; i < events.length; i += 5_000) {
    await ingestEvents(opts.pool, events.slice(i, i + 5_000), { now: opts.now, dailyDecay: opts.dailyDecay });
  }
  opts.logger.info({ users: users.length, events: events.length, ms: Date.now() - started }, 'loaded demo data');
}

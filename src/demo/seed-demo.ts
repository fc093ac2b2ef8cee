// Loads the demo population through the same services the API uses (import, then events in batches).
import type { Logger } from '../logger.ts';
import type { EventInput, UserImportInput } from '../generated/graphql.ts';
import { MAX_EVENTS_PER_CALL } from '../modules/events/validate-event.ts';
import { generateDemoData } from './demo-data.ts';

/** The two write services the API uses (the composition root passes its own). */
interface DemoWriters {
  importUsers(users: readonly UserImportInput[]): Promise<unknown>;
  ingestEvents(events: readonly EventInput[]): Promise<unknown>;
}

export async function seedDemo(services: DemoWriters, opts: { users: number; now: Date; logger: Logger }): Promise<void> {
  const started = Date.now();
  const { users, events } = generateDemoData(opts.users, opts.now);
  for (let i = 0; i < users.length; i += MAX_EVENTS_PER_CALL) await services.importUsers(users.slice(i, i + MAX_EVENTS_PER_CALL));
  for (let i = 0; i < events.length; i += 5_000) await services.ingestEvents(events.slice(i, i + 5_000));
  opts.logger.info({ users: users.length, events: events.length, ms: Date.now() - started }, 'loaded demo data');
}

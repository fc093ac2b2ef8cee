// Loads a seeded population through the API itself: demographics with importUsers, behaviour with ingestEvents
// (batches of 1,000, two in flight), then VACUUM ANALYZE so reads see a settled database.
import { createRng } from '../../src/compute/random.ts';
import { batches, generateDataset, type Dataset } from './data.ts';
import type { BenchDatabase } from './database.ts';
import { gqlBody, postGraphQL } from './gql.ts';

const INGEST = 'mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { index code message } } }';
const IMPORT = 'mutation Import($users: [UserImportInput!]!) { importUsers(users: $users) { imported updated rejected { index code message } } }';

interface IngestData {
  ingestEvents: { accepted: number; rejected: unknown[] };
}
interface ImportData {
  importUsers: { imported: number; updated: number; rejected: unknown[] };
}

export async function loadPopulation(url: string, db: BenchDatabase, opts: { users: number; events: number; seed: number }): Promise<Dataset> {
  const data = generateDataset({ events: opts.events, users: opts.users, seed: opts.seed });
  const rng = createRng(opts.seed);
  const people = data.userIds.map((userId) => ({ userId, age: 18 + rng.int(50), gender: rng.next() < 0.52 ? 'F' : 'M', cityTier: 1 + rng.int(4) }));
  for (const chunk of batches(people, 1_000)) {
    const r = await postGraphQL<ImportData>(url, gqlBody(IMPORT, { users: chunk }));
    if (r.importUsers.rejected.length) throw new Error(`importUsers rejected ${JSON.stringify(r.importUsers.rejected.slice(0, 3))}`);
  }
  const bodies = batches(data.events, 1_000).map((b) => gqlBody(INGEST, { events: b }));
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const r = await postGraphQL<IngestData>(url, bodies[i]!);
      if (r.ingestEvents.rejected.length) throw new Error(`ingestEvents rejected ${JSON.stringify(r.ingestEvents.rejected.slice(0, 3))}`);
    }
  };
  await Promise.all([worker(), worker()]);
  await db.withClient((c) => c.query('VACUUM ANALYZE'));
  return data;
}

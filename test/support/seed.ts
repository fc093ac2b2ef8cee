// Seeding a test server through the API. A seed is data the test relies on, so every row must be taken: a GraphQL
// error, a rejected row or (for events) a duplicate fails the test with what went wrong.
import assert from 'node:assert/strict';
import type { EventInput, UserImportInput } from '../../src/generated/graphql.ts';
import type { TestServer } from './server.ts';

type Client = Pick<TestServer, 'gql'>;

/** An event as a client sends it: occurredAt as a Date or its ISO string. */
export type EventRow = Omit<EventInput, 'occurredAt'> & { occurredAt: Date | string };

interface Rejected { index: number; code: string; message: string }
interface ImportResult { imported: number; updated: number; rejected: (Rejected & { userId: string | null })[] }
interface IngestResult { accepted: number; duplicates: number; rejected: (Rejected & { eventId: string | null })[] }

const IMPORT = `mutation($users: [UserImportInput!]!) { importUsers(users: $users) { imported updated rejected { index userId code message } } }`;
const INGEST = `mutation($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { index eventId code message } } }`;
/** One importUsers call that must not fail as a whole; its rejections are the caller's to check. */
export async function importUsers(server: Client, users: readonly unknown[]): Promise<ImportResult> {
  const r = await server.gql<{ importUsers: ImportResult }>(IMPORT, { users });
  assert.equal(r.errors, undefined, `importUsers failed: ${JSON.stringify(r.errors)}`);
  return r.data!.importUsers;
}

/** One ingestEvents call that must not fail as a whole; its rejections are the caller's to check. */
export async function ingestEvents(server: Client, events: readonly unknown[]): Promise<IngestResult> {
  const r = await server.gql<{ ingestEvents: IngestResult }>(INGEST, { events });
  assert.equal(r.errors, undefined, `ingestEvents failed: ${JSON.stringify(r.errors)}`);
  return r.data!.ingestEvents;
}

/** Rows per call, under the API's limit of 10,000 */
const BATCH = 5000;

/** Imports the rows (in batches); returns how many were new and how many updated. */
export async function importUsersOk(server: Client, users: readonly UserImportInput[]): Promise<{ imported: number; updated: number }> {
  let imported = 0;
  let updated = 0;
  for (let i = 0; i < users.length; i += BATCH) {
    const r = await server.gql<{ importUsers: ImportResult }>(IMPORT, { users: users.slice(i, i + BATCH) });
    assert.equal(r.errors, undefined, `importUsers failed: ${JSON.stringify(r.errors)}`);
    const result = r.data!.importUsers;
    assert.deepEqual(result.rejected, [], `importUsers rejected seed rows (indexes from ${i}): ${JSON.stringify(result.rejected)}`);
    imported += result.imported;
    updated += result.updated;
  }
  assert.equal(imported + updated, users.length, 'every seed row was imported or updated');
  return { imported, updated };
}

/** Ingests the events (in batches); every one must be accepted: none rejected, none a duplicate. */
export async function ingestEventsOk(server: Client, events: readonly EventRow[]): Promise<number> {
  let accepted = 0;
  for (let i = 0; i < events.length; i += BATCH) {
    const r = await server.gql<{ ingestEvents: IngestResult }>(INGEST, { events: events.slice(i, i + BATCH) });
    assert.equal(r.errors, undefined, `ingestEvents failed: ${JSON.stringify(r.errors)}`);
    const result = r.data!.ingestEvents;
    assert.deepEqual(result.rejected, [], `ingestEvents rejected seed events (indexes from ${i}): ${JSON.stringify(result.rejected)}`);
    assert.equal(result.duplicates, 0, `ingestEvents counted ${result.duplicates} seed events as duplicates (batch from ${i})`);
    accepted += result.accepted;
  }
  assert.equal(accepted, events.length, 'every seed event was accepted');
  return accepted;
}

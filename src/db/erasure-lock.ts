// Bulk writers of per-user rows that hold no lock on those users (a save's training member chunks, an activation's
// placement of everyone) keep erasures out with one advisory lock instead of locking a million users rows (~2 s at a
// first activation): they take it exclusively, in a statement of its own before they write (an activation, first thing
// in its transaction), and hold it to the end of their transaction; an erasure takes it shared before it deletes anything (trigger users_wait_for_bulk_writes,
// migration segment_placements). So an erasure that comes while such a writer runs waits for its commit and then
// finds, and deletes, what it wrote; a writer that comes while an erasure runs waits for it, and its next statement
// (a later snapshot) no longer sees the erased users. Erasures do not wait for one another; bulk writers take turns.
// A transaction that also takes the activation lock (src/modules/segmentation/model-store.ts) takes this one first: in
// the other order an activation and a save that activates its model deadlock.
import type { Sql } from './sql.ts';

/** The advisory lock's key (beside the migration, activation and job-claim keys, 72_707_369..371). */
const ERASURE_LOCK = 72_707_372;

/** Waits for running erasures and keeps new ones waiting until the caller's transaction ends. */
export async function holdOffErasures(sql: Sql): Promise<void> {
  await sql.query('SELECT 1 AS held FROM pg_advisory_xact_lock($1::bigint)', [ERASURE_LOCK]);
}

// Bulk writers of per-user rows that hold no lock on those users (a save's training member chunks, an activation's
// placement of everyone) keep erasures out with one advisory lock instead of locking a million users rows (~2 s at a
// first activation): they take it exclusively, in a statement of its own before they write (an activation, first thing
// in its transaction), and hold it to the end of their transaction; an erasure takes it shared before it deletes anything (trigger users_wait_for_bulk_writes,
// migration segment_placements). So an erasure that comes while such a writer runs waits for its commit and then
// finds, and deletes, what it wrote; a writer that comes while an erasure runs waits for it, and its next statement
// (a later snapshot) no longer sees the erased users. Erasures do not wait for one another; bulk writers take turns.
// A transaction that also takes the activation lock (src/modules/segmentation/model-store.ts) takes this one first: in
// the other order an activation and a save that activates its model deadlock.
//
// Erasures are also counted (a sequence the same trigger bumps, migration erasure_count), so a reader that marks the
// count before it reads users (a training's read of the profiles) can later ask, holding erasures off, whether any
// came since (erasureMark, erasedSince): a save looks for its erased training users only when some did.
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { z } from 'zod';
import type { Sql } from './sql.ts';

/** The advisory lock's key (beside the migration, activation and job-claim keys, 72_707_369..371). */
const ERASURE_LOCK = 72_707_372;

/** Waits for running erasures and keeps new ones waiting until the caller's transaction ends. */
export async function holdOffErasures(sql: Sql): Promise<void> {
  await sql.query('SELECT 1 AS held FROM pg_advisory_xact_lock($1::bigint)', [ERASURE_LOCK]);
}

/** How often an erasure asks again while a bulk writer holds the lock. */
const ERASURE_POLL_MS = 100;

/**
 * An erasure's turn: the lock shared (erasures do not wait for one another), held to the end of the caller's
 * transaction, taken once no bulk writer holds it. A bulk writer holds it to its commit, which at a million users can
 * take longer than a request may wait: after `waitMs` this gives up and says so (false) instead of waiting on until the
 * statement timeout, which would answer a bare "the database did not answer in time". Asked for by polling (a try
 * every ERASURE_POLL_MS) rather than by a waiting statement, so giving up leaves the transaction usable to roll back.
 */
export async function awaitErasureTurn(sql: Sql, waitMs: number): Promise<boolean> {
  const until = performance.now() + waitMs;
  for (;;) {
    const [row] = await sql.query<{ turn: boolean }>('SELECT pg_try_advisory_xact_lock_shared($1::bigint) AS turn', [ERASURE_LOCK]);
    if (row?.turn) return true;
    const left = until - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(ERASURE_POLL_MS, left));
  }
}

/**
 * Where the count of erasures stands (migration erasure_count), for a reader that will later ask whether any user was
 * erased since (erasedSince): a training's read of the profiles takes it first, its save asks. The statement also
 * takes the lock exclusively (released at its end), which waits for the erasures under way: whichever of the two it
 * does first, an erasure counted in the mark has then committed (it counted itself holding the lock shared), so a
 * snapshot taken after the mark no longer sees its users, and one not yet counted is seen later by erasedSince. (It
 * also waits for a bulk writer that holds the lock, as bulk writers wait for each other.) The server's start time is
 * part of the mark: after a crash a sequence may hand out again values it gave to transactions that did not commit,
 * so a count could come back to a mark's value with erasures in between.
 */
export async function erasureMark(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query(`SELECT pg_advisory_xact_lock($1::bigint)::text AS locked, ${ERASURE_COUNT} FROM erasure_count`, [ERASURE_LOCK]);
  return parseMark(rows[0]);
}

/** True when some erasure began since `mark` (erasureMark), or may have (one that rolled back also counts). */
export async function erasedSince(sql: Sql, mark: string): Promise<boolean> {
  const [row] = await sql.query<unknown>(`SELECT ${ERASURE_COUNT} FROM erasure_count`);
  return parseMark(row) !== mark;
}

const ERASURE_COUNT = `pg_postmaster_start_time()::text || ' ' || (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS n`;
const parseMark = (row: unknown): string => z.object({ n: z.string() }).parse(row).n;

// Streaming CSV export of a segment lineage's or an audience's members: the user id and chosen profile columns, read
// through a server-side cursor (DECLARE ... FETCH) in one read-only transaction, a page at a time, so memory stays
// constant whatever the size, and the next page is fetched only when the consumer asks for it (backpressure: a slow
// client holds a connection, not memory). A consumer that stops early (the client went away) ends the generator,
// which rolls the transaction back and returns the connection.
//
// Columns are the audience rule fields (src/modules/audiences/fields.ts), written in SQL exactly as the API shows
// them: the same names, the same numbers.
import type pg from 'pg';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { FIELDS, FIELD_SOURCE } from '../audiences/fields.ts';
import { Params } from '../audiences/compile-rule.ts';
import { profileColumn } from '../profiles/profile-store.ts';
import { isUuid } from '../../db/uuid.ts';
import { line, type Cell } from './csv.ts';

/** The columns of an export that names none: what a marketer reaches people with first. */
export const DEFAULT_COLUMNS: readonly string[] = ['totalSpent', 'purchaseFrequency', 'lastPurchaseDays', 'sessionsCount', 'engagementScore'];
export const MAX_COLUMNS = 50;
/** Rows per FETCH: big enough that round trips do not dominate, small enough to keep memory flat. */
const PAGE = 2_000;
const CURSOR = 'portrait_export';

export type ExportTarget = { kind: 'segment'; lineage: string } | { kind: 'audience'; id: string };

/**
 * The columns of `?columns=a,b,c` (absent: DEFAULT_COLUMNS; empty: the user ids alone), or the problem with them,
 * naming the first unknown or repeated column.
 */
export function parseColumns(raw: unknown): { columns: string[] } | { problem: string } {
  if (raw === undefined) return { columns: [...DEFAULT_COLUMNS] };
  if (typeof raw !== 'string') return { problem: 'columns must be given once, as a comma-separated list' };
  const columns = raw === '' ? [] : raw.split(',').map((c) => c.trim());
  if (columns.length > MAX_COLUMNS) return { problem: `at most ${MAX_COLUMNS} columns` };
  const seen = new Set<string>();
  for (const c of columns) {
    if (!FIELDS.has(c)) return { problem: `unknown column "${c.slice(0, 100)}"; known: ${[...FIELDS.keys()].join(', ')}` };
    if (seen.has(c)) return { problem: `column "${c}" is listed twice` };
    seen.add(c);
  }
  return { columns };
}

/** The file name the download is offered under. */
export const exportFilename = (target: ExportTarget): string =>
  target.kind === 'segment' ? `segment-${target.lineage}.csv` : `audience-${target.id}.csv`;

function toCell(v: unknown): Cell {
  if (v === null || typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(String);
  // float8, text, uuid-as-text and text[] are all the columns can be; anything else is a bug worth seeing
  throw new Error(`export: unexpected ${typeof v} cell`);
}

/** The members' FROM ... WHERE (a condition the caller may extend with AND): the active model's segment of the lineage, or the audience's members. */
function membersOf(target: ExportTarget, params: Params): string {
  if (target.kind === 'segment') {
    const segment = `(SELECT s.id FROM segments s JOIN segmentation_models m ON m.id = s.model_id AND m.active WHERE s.lineage = ${params.add(target.lineage, 'text')}::uuid)`;
    return `${FIELD_SOURCE} WHERE ${profileColumn('p', 'segmentId')} = ${segment}`;
  }
  return `${FIELD_SOURCE} JOIN audience_members am ON am.user_id = p.user_id WHERE am.audience_id = ${params.add(target.id, 'text')}::uuid`;
}

/** Whether the target exists now: the lineage among the active model's segments, or the audience. */
async function exists(client: pg.PoolClient, target: ExportTarget): Promise<boolean> {
  const { rows } = target.kind === 'segment'
    ? await client.query(`SELECT 1 FROM segments s JOIN segmentation_models m ON m.id = s.model_id AND m.active WHERE s.lineage = $1::uuid`, [target.lineage])
    : await client.query(`SELECT 1 FROM audiences WHERE id = $1::uuid`, [target.id]);
  return rows.length > 0;
}

/**
 * Opens the export: null when the target does not exist (an unknown lineage, or one only older models had), else the
 * CSV as an async sequence of chunks (the header row first). The caller must consume it to its end or end it early
 * (return()); either way the connection goes back to the pool.
 */
export async function openExport(
  pool: pg.Pool,
  target: ExportTarget,
  columns: readonly string[],
  now: Date,
  config: PortraitConfig,
): Promise<AsyncGenerator<string, void, undefined> | null> {
  if (!isUuid(target.kind === 'segment' ? target.lineage : target.id)) return null;
  const client = await pool.connect();
  // A connection that drops mid-export emits 'error' on the client; without a listener that would end the process.
  const ignore = () => {};
  client.on('error', ignore);
  const release = (err?: Error) => {
    client.off('error', ignore);
    client.release(err);
  };
  try {
    // one snapshot for the lookup and every page
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    if (!(await exists(client, target))) {
      await client.query('ROLLBACK');
      release();
      return null;
    }
    const params = new Params([now]);
    const exprs = columns.map((c) => {
      const def = FIELDS.get(c)!;
      const expr = def.sql({ p: 'p', now: '$1::timestamptz', param: params.add, config });
      // money is numeric in the table: as float8 it prints as the API's Float does
      return def.kind.type === 'number' ? `(${expr})::float8` : expr;
    });
    // `$1 IS NOT NULL` (a constant the planner folds away) types $1 when no column reads the instant
    const select = `SELECT p.user_id${exprs.map((e) => `, ${e}`).join('')} FROM ${membersOf(target, params)} AND $1::timestamptz IS NOT NULL ORDER BY p.user_id`;
    await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${select}`, params.values);
  } catch (err) {
    release(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
  return pages(client, release, line(['userId', ...columns]));
}

async function* pages(client: pg.PoolClient, release: (err?: Error) => void, header: string): AsyncGenerator<string, void, undefined> {
  let failure: Error | undefined;
  try {
    yield header;
    for (;;) {
      const { rows } = await client.query<unknown[]>({ text: `FETCH ${PAGE} FROM ${CURSOR}`, rowMode: 'array' });
      if (rows.length === 0) return;
      let chunk = '';
      for (const row of rows) chunk += line(row.map(toCell));
      yield chunk;
    }
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    // Finished, failed, or ended early by the consumer: the read-only transaction has nothing to keep.
    if (failure) release(failure);
    else {
      try {
        await client.query('ROLLBACK');
        release();
      } catch (err) {
        release(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }
}

// Streaming CSV export of a segment lineage's or an audience's members: the user id and chosen profile columns.
// PostgreSQL writes the file (COPY (SELECT ...) TO STDOUT WITH (FORMAT csv)): quoting, numbers and NULLs are done in
// C, and the service passes the bytes through as they arrive, with no value of any row ever a JavaScript object, so
// its memory stays flat whatever the size (a cursor FETCHing pages into rows grew the process by 160 MB of garbage
// per million rows). Backpressure reaches the database: a slow client leaves the socket unread, COPY waits on it, and
// the client holds a connection, not memory. A client that leaves early closes that connection, which ends the COPY.
//
// Columns are the audience rule fields (src/modules/audiences/fields.ts), written in SQL exactly as the API shows
// them: the same names, the same numbers (float8 prints the shortest decimal that reads back as the same double, as
// JavaScript does; only the notation of very large or small numbers differs, 1e+20 for 100000000000000000000).
import type { Readable } from 'node:stream';
import pg from 'pg';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { FIELDS, FIELD_SOURCE } from '../audiences/fields.ts';
import { sqlLiteral } from '../../db/sql-literal.ts';
import { copyOut } from '../../db/copy-binary.ts';
import { placedInLineage } from '../profiles/placements.ts';
import { isUuid } from '../../db/uuid.ts';
import { crlfRecords } from './csv.ts';

/** The columns of an export that names none: what a marketer reaches people with first. */
export const DEFAULT_COLUMNS: readonly string[] = ['totalSpent', 'purchaseFrequency', 'lastPurchaseDays', 'sessionsCount', 'engagementScore'];
export const MAX_COLUMNS = 50;
/** Named in the statement, so an operator (and a test) can find a running export in pg_stat_activity. */
export const EXPORT_MARKER = 'portrait_export';

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

/** The members' FROM ... WHERE (a condition the caller may extend with AND): the active model's segment of the lineage, or the audience's members. */
function membersOf(target: ExportTarget): string {
  if (target.kind === 'segment') {
    // the lineage's users while the active model has a segment of it (none once it has not)
    const lineage = `(SELECT s.lineage FROM segments s JOIN segmentation_models m ON m.id = s.model_id AND m.active WHERE s.lineage = ${sqlLiteral(target.lineage, 'text')}::uuid)`;
    return `${FIELD_SOURCE} ${placedInLineage('p', lineage)}`;
  }
  return `${FIELD_SOURCE} JOIN audience_members am ON am.user_id = p.user_id WHERE am.audience_id = ${sqlLiteral(target.id, 'text')}::uuid`;
}


/** Whether the target exists now: the lineage among the active model's segments, or the audience. */
async function exists(client: pg.PoolClient, target: ExportTarget): Promise<boolean> {
  const { rows } = target.kind === 'segment'
    ? await client.query(`SELECT 1 FROM segments s JOIN segmentation_models m ON m.id = s.model_id AND m.active WHERE s.lineage = $1::uuid`, [target.lineage])
    : await client.query(`SELECT 1 FROM audiences WHERE id = $1::uuid`, [target.id]);
  return rows.length > 0;
}

/**
 * A text value guarded against spreadsheet formulas (OWASP "CSV injection"): prefixed with a single quote when it
 * starts with = + - @ TAB or CR.
 */
const guarded = (expr: string) => `regexp_replace((${expr})::text, E'^([-=+@\\t\\r])', '''\\1')`;

/** The statement that writes the whole file, header row first, every value a literal: COPY takes no parameters. */
export function exportStatement(target: ExportTarget, columns: readonly string[], now: Date, config: PortraitConfig): string {
  const ctx = { p: 'p', now: sqlLiteral(now, 'timestamptz'), param: sqlLiteral, config };
  const exprs = columns.map((c) => {
    const def = FIELDS.get(c)!;
    const expr = def.sql(ctx);
    switch (def.kind.type) {
      // money is numeric in the table: as float8 it prints as the API's Float does
      case 'number':
        return `(${expr})::float8`;
      case 'category':
        return guarded(expr);
      case 'tags':
        return guarded(`array_to_string(${expr}, ';')`);
      case 'id':
        return expr;
    }
  });
  // the header row is COPY's too: the columns named as the API names them (parseColumns admits only rule field names)
  const named = [`${guarded('p.user_id')} AS "userId"`, ...exprs.map((e, j) => `${e} AS ${pg.escapeIdentifier(columns[j]!)}`)];
  const select = `SELECT ${named.join(', ')} FROM ${membersOf(target)} ORDER BY p.user_id`;
  return `COPY (/* ${EXPORT_MARKER} */ ${select}) TO STDOUT WITH (FORMAT csv, HEADER)`;
}

/**
 * Opens the export: null when the target does not exist (an unknown lineage, or one only older models had), else the
 * CSV as a byte stream (the header row first). The connection goes back to the pool when the rows have all been
 * read; a stream destroyed before that (the client went away) closes the connection instead, which is what stops a
 * running COPY.
 */
export async function openExport(
  pool: pg.Pool,
  target: ExportTarget,
  columns: readonly string[],
  now: Date,
  config: PortraitConfig,
  /**
   * The bound on the whole file (DATABASE_JOB_STATEMENT_TIMEOUT_MS): one COPY statement runs for as long as the client
   * takes to read it (backpressure), so the request pool's statement bound, meant for one query, would cut a large
   * file or a slow reader short.
   */
  timeoutMs: number,
): Promise<Readable | null> {
  if (!isUuid(target.kind === 'segment' ? target.lineage : target.id)) return null;
  const client = await pool.connect();
  // A connection that drops mid-export emits 'error' on the client, which listens from birth (client.ts); the export
  // fails on its own (the stream errors) and the client is discarded.
  let released = false;
  const release = (err?: Error) => {
    if (released) return;
    released = true;
    client.release(err);
  };
  const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));
  try {
    // one snapshot for the lookup and the rows
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.trunc(timeoutMs)}`);
    if (!(await exists(client, target))) {
      await client.query('ROLLBACK');
      release();
      return null;
    }
  } catch (err) {
    release(asError(err));
    throw err;
  }

  // the client's own read timeout gets the same bound, a second later, as the pool's does (src/db/client.ts)
  const { stream: copy, disarm } = copyOut(client, exportStatement(target, columns, now, config), timeoutMs + 1_000);
  const body = crlfRecords();
  let copied = false;
  copy.on('error', (err: Error) => {
    disarm();
    release(err);
    body.destroy(err);
  });
  copy.on('end', () => {
    copied = true;
    disarm();
    client.query('ROLLBACK').then(() => release(), (err: unknown) => release(asError(err)));
  });
  // ended early (the client went away, or the body failed): closing the connection is what stops the COPY
  body.once('close', () => {
    if (copied) return;
    disarm();
    copy.destroy();
    release(new Error('the export ended before its last row'));
  });
  copy.pipe(body);
  return body;
}

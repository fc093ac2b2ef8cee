// Streaming COPY ... TO STDOUT out of PostgreSQL (copyOut, for the text and the binary format), and a reader of the
// binary format (COPY ... TO STDOUT WITH (FORMAT binary)), for streaming a large result straight into typed arrays: no
// per-row objects, no text parsing of numbers. The format: an 11-byte signature, a
// 32-bit flags word and a header extension; then per row a 16-bit field count (-1 ends the data) and per field a
// 32-bit length (-1: NULL) followed by that many bytes, every integer big-endian. float8 is an IEEE double,
// big-endian; text is UTF-8.
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** One row's fields as offsets into `buf`: field j spans [start(j), start(j) + length(j)); a NULL has length -1. */
export class CopyRow {
  #buf: Buffer = Buffer.alloc(0);
  // the same bytes as a DataView: its getters compile to plain loads, where Buffer's readers are byte-by-byte functions
  #view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  constructor(readonly fields: number) {
    this.starts = new Int32Array(fields);
    this.lengths = new Int32Array(fields);
  }
  get buf(): Buffer {
    return this.#buf;
  }
  set buf(buf: Buffer) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  /** a float8 field; NaN for NULL (a missing value) */
  float8(j: number): number {
    return this.lengths[j]! < 0 ? Number.NaN : this.#view.getFloat64(this.starts[j]!);
  }
  /** a 32-bit big-endian integer at byte `at` of the buffer (the format's field lengths) */
  int32At(at: number): number {
    return this.#view.getInt32(at);
  }
  /** a text field, or null */
  text(j: number): string | null {
    return this.lengths[j]! < 0 ? null : this.buf.toString('utf8', this.starts[j]!, this.starts[j]! + this.lengths[j]!);
  }
}

/**
 * Calls `onRow` for every row of a binary COPY stream of rows with `fields` columns. The row object is reused (read
 * its fields inside the call); chunks are joined only across a row that straddles two of them.
 */
export async function readCopyBinary(stream: Readable, fields: number, onRow: (row: CopyRow) => void): Promise<number> {
  const row = new CopyRow(fields);
  let pending: Buffer = Buffer.alloc(0);
  let headerDone = false;
  let ended = false;
  let rows = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    if (!headerDone) {
      if (buf.length < 19) {
        pending = buf;
        continue;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new Error('COPY binary: bad signature');
      at = 19 + buf.readInt32BE(15);
      headerDone = true;
    }
    row.buf = buf;
    while (!ended && at + 2 <= buf.length) {
      const n = buf.readInt16BE(at);
      if (n === -1) {
        ended = true;
        at += 2;
        break;
      }
      if (n !== fields) throw new Error(`COPY binary: expected ${fields} fields, got ${n}`);
      // find the end of the row; an incomplete row waits for the next chunk
      let p = at + 2;
      let complete = true;
      for (let j = 0; j < fields; j++) {
        if (p + 4 > buf.length) {
          complete = false;
          break;
        }
        const len = row.int32At(p);
        row.starts[j] = p + 4;
        row.lengths[j] = len;
        p += 4 + Math.max(0, len);
        if (p > buf.length) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      onRow(row);
      rows++;
      at = p;
    }
    pending = buf.subarray(at);
  }
  if (!ended) throw new Error('COPY binary: the stream ended before its trailer');
  return rows;
}

/**
 * Starts `statement` (a COPY ... TO STDOUT) on `client` and returns its stream, with `disarm` to call once the stream
 * has ended, failed or been abandoned.
 *
 * node-postgres arms its read timeout (the pool's query_timeout, or `readTimeoutMs`) for every query and clears it from
 * the query's callback, which a COPY TO stream never calls: left alone, the timer would keep the process alive for the
 * whole bound and then fire on a connection the pool has since lent to someone else, failing the stream long after it
 * ended. Giving the stream a callback before the query starts lets pg wrap it with the clearing, and `disarm` calls
 * it; while the copy runs, the timeout still bounds it.
 */
export function copyOut(client: pg.PoolClient, statement: string, readTimeoutMs?: number): { stream: Readable; disarm: () => void } {
  const stream = Object.assign(copyTo(statement), { callback: (_err?: Error) => {} }, readTimeoutMs === undefined ? {} : { query_timeout: readTimeoutMs });
  client.query(stream);
  return { stream, disarm: () => stream.callback() };
}

/** Runs `statement` (a COPY ... TO STDOUT WITH (FORMAT binary)) on `client` and reads its rows (readCopyBinary). */
export async function copyOutBinary(client: pg.PoolClient, statement: string, fields: number, onRow: (row: CopyRow) => void): Promise<number> {
  const { stream, disarm } = copyOut(client, statement);
  try {
    return await readCopyBinary(stream, fields, onRow);
  } finally {
    disarm();
  }
}

// One-dimensional arrays in PostgreSQL's binary format (what array_send writes and array_recv reads), for statements
// that take a batch as one array parameter per column. node-postgres sends a Buffer parameter in the binary format, so
// PostgreSQL reads each element by its length instead of parsing a literal, and no element is quoted or escaped here:
// a text element is its UTF-8 bytes, a float8 its eight IEEE bytes. Built straight into one buffer outside the
// JavaScript heap: for a 1,000-event batch the text literals (array-literals.ts) allocated ~1.4 MB of intermediate
// strings per batch, which lived through the batch's transaction and were copied by young-generation collections.
//
// The format: int32 number of dimensions (1), int32 flags (1 when an element is NULL), the element type's OID, then per
// dimension int32 length and int32 lower bound (1); then per element an int32 byte length (-1: NULL) and the bytes.
// Every integer is big-endian. The statement must cast the parameter to an array of exactly that element type
// (`$1::text[]`, `$2::float8[]`, `$3::int[]`): array_recv refuses another element type. An enum column takes a text
// array cast per row (`x.t::"EventType"`).

const HEADER_BYTES = 20;
const TEXT_OID = 25;
const INT4_OID = 23;
const FLOAT8_OID = 701;

/** An empty array as PostgreSQL writes it: no dimensions. */
function emptyArray(oid: number): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeInt32BE(oid, 8);
  return buf;
}

function header(buf: Buffer, count: number, hasNull: boolean, oid: number): void {
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(hasNull ? 1 : 0, 4);
  buf.writeInt32BE(oid, 8);
  buf.writeInt32BE(count, 12);
  buf.writeInt32BE(1, 16);
}

/** `text[]`: null and undefined are NULL elements. The strings must be valid UTF-16 (no lone surrogate). */
export function textArrayBinary(values: readonly (string | null | undefined)[]): Buffer {
  if (values.length === 0) return emptyArray(TEXT_OID);
  // sized exactly: the buffer lives as long as the statement's retries, and a bound of 3 bytes per UTF-16 unit would
  // triple a batch of long ASCII texts
  let capacity = HEADER_BYTES + 4 * values.length;
  let hasNull = false;
  for (const v of values) {
    if (v === null || v === undefined) hasNull = true;
    else capacity += utf8Length(v);
  }
  const buf = Buffer.allocUnsafe(capacity);
  header(buf, values.length, hasNull, TEXT_OID);
  let at = HEADER_BYTES;
  for (const v of values) {
    const n = v === null || v === undefined ? -1 : writeUtf8(buf, v, at + 4);
    buf.writeInt32BE(n, at);
    at += n < 0 ? 4 : 4 + n;
  }
  return buf;
}

/** The UTF-8 length of `s`: its length when ASCII (scanned here, cheaper than a call for short strings). */
function utf8Length(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return n;
}

/**
 * Writes `s` as UTF-8 at `at`; returns the bytes written. ASCII (ids, types, timestamps: nearly every element) byte by
 * byte here, which for short strings costs less than a call into Buffer's encoder; anything else by the encoder.
 */
function writeUtf8(buf: Buffer, s: string, at: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return buf.write(s, at, 'utf8');
    buf[at + i] = c;
  }
  return n;
}

/** `float8[]`: each number exactly (NaN and the infinities too); null and undefined are NULL elements. */
export function float8ArrayBinary(values: readonly (number | null | undefined)[]): Buffer {
  return fixedWidthArray(values, FLOAT8_OID, 8, (buf, v, at) => buf.writeDoubleBE(v, at));
}

/** `int4[]`: integers in int4's range (anything else: RangeError); null and undefined are NULL elements. */
export function int4ArrayBinary(values: readonly (number | null | undefined)[]): Buffer {
  for (const v of values) if (v !== null && v !== undefined && !Number.isInteger(v)) throw new RangeError(`int4 array: ${v} is not an integer`);
  // (writeInt32BE refuses a value outside int4's range with a RangeError)
  return fixedWidthArray(values, INT4_OID, 4, (buf, v, at) => buf.writeInt32BE(v, at));
}

/** An array of a fixed-width element type: each element its length (`width`) and its bytes, by `write`; NULL: -1. */
function fixedWidthArray(values: readonly (number | null | undefined)[], oid: number, width: number, write: (buf: Buffer, v: number, at: number) => void): Buffer {
  if (values.length === 0) return emptyArray(oid);
  let nulls = 0;
  for (const v of values) if (v === null || v === undefined) nulls++;
  const buf = Buffer.allocUnsafe(HEADER_BYTES + 4 * values.length + width * (values.length - nulls));
  header(buf, values.length, nulls > 0, oid);
  let at = HEADER_BYTES;
  for (const v of values) {
    if (v === null || v === undefined) {
      buf.writeInt32BE(-1, at);
      at += 4;
    } else {
      buf.writeInt32BE(width, at);
      write(buf, v, at + 4);
      at += 4 + width;
    }
  }
  return buf;
}

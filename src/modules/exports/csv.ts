import { Transform } from 'node:stream';

// Record ends for the exports: PostgreSQL writes the CSV (export-members.ts, COPY ... WITH (FORMAT csv, HEADER):
// fields quoted when they hold a comma, a quote, CR or LF, quotes doubled), and this makes it RFC 4180's CRLF.

const LF = 0x0a;
const QUOTE = 0x22;
const CRLF = Buffer.from('\r\n');

/**
 * PostgreSQL's COPY ... WITH (FORMAT csv) ends records with LF; RFC 4180 asks for CRLF. This passes COPY's bytes
 * through with each record end made CRLF, leaving a line break inside a quoted field as it is.
 * A quote byte only ever occurs in a quoted field (COPY quotes any field that holds one, doubling it), so the quote
 * state is the parity of the quote bytes seen, carried across chunks; UTF-8 never uses either byte inside a character.
 */
export function crlfRecords(): Transform {
  let quoted = false;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const parts: Buffer[] = [];
      let from = 0;
      if (!quoted && chunk.indexOf(QUOTE) === -1) {
        // the common case, no quoted field in the chunk: every LF ends a record
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) {
          parts.push(chunk.subarray(from, i), CRLF);
          from = i + 1;
        }
      } else {
        for (let i = 0; i < chunk.length; i++) {
          const b = chunk[i];
          if (b === QUOTE) quoted = !quoted;
          else if (b === LF && !quoted) {
            parts.push(chunk.subarray(from, i), CRLF);
            from = i + 1;
          }
        }
      }
      parts.push(chunk.subarray(from));
      done(null, Buffer.concat(parts));
    },
  });
}

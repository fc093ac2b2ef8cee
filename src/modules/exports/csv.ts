import { Transform } from 'node:stream';

// CSV cells, lines and record ends for the exports (RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds a
// comma, a quote, CR or LF, quotes doubled inside). Written here rather than with a CSV library because the formula
// guard below must apply to text cells only, which only the caller knows: a negative number is a number, while a
// user id such as `=HYPERLINK(...)` is text a spreadsheet would run.

/** What a spreadsheet reads as the start of a formula (OWASP "CSV injection"): = + - @ TAB CR. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type Cell = string | number | readonly string[] | null;

/** A text cell: prefixed with a single quote when a spreadsheet would read it as a formula, then quoted if needed. */
export function textCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Any cell: null is empty, a number as JavaScript prints it (as the API's JSON does), a list joined with `;`. */
export function cell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return textCell(value);
  return textCell(value.join(';'));
}

export const line = (cells: readonly Cell[]): string => `${cells.map(cell).join(',')}\r\n`;

const LF = 0x0a;
const QUOTE = 0x22;
const CRLF = Buffer.from('\r\n');

/**
 * PostgreSQL's COPY ... WITH (FORMAT csv) ends records with LF; RFC 4180 asks for CRLF. This passes COPY's bytes
 * through with `header` first and each record end made CRLF, leaving a line break inside a quoted field as it is.
 * A quote byte only ever occurs in a quoted field (COPY quotes any field that holds one, doubling it), so the quote
 * state is the parity of the quote bytes seen, carried across chunks; UTF-8 never uses either byte inside a character.
 */
export function crlfRecords(header: string): Transform {
  let quoted = false;
  const body = new Transform({
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
  body.push(header);
  return body;
}

// CSV cells and lines for the exports (RFC 4180: comma-separated, CRLF line ends, a field quoted when it holds a
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

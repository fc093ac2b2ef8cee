// The one check for client-given ids and names, used wherever one arrives: ingest, import, reads, deletes, key names.
// PostgreSQL cannot store NUL, and a lone UTF-16 surrogate cannot be encoded as UTF-8: node-postgres would send it as
// U+FFFD, so "x\ud800" would read, write or delete the different id "x\uFFFD". Both are refused before any query.

const MAX_ID_LENGTH = 128;

// C0 controls, DEL and the C1 controls (U+0080-U+009F, e.g. U+0085 NEXT LINE): never part of an id or a name.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// With the u flag a surrogate pair is one code point, so only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;
// Printable ASCII has neither: most ids are, and one plain test then replaces the two above (ingest checks three ids
// per event).
const NOT_PRINTABLE_ASCII = /[^\u0020-\u007e]/;

/** Why `value` is not a usable id or name (`what` names it in the message), or null when it is. */
export function checkId(value: string, what: string, maxLength = MAX_ID_LENGTH): string | null {
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > maxLength) return `${what} must be at most ${maxLength} characters`;
  if (!NOT_PRINTABLE_ASCII.test(value)) return null;
  if (CONTROL.test(value)) return `${what} must not contain control characters`;
  if (LONE_SURROGATE.test(value)) return `${what} must not contain a lone UTF-16 surrogate`;
  return null;
}

/** Why free text (a review, a string in properties) cannot be stored as it is, or null. Newlines and tabs are text. */
export function checkText(value: string, what: string): string | null {
  if (value.includes('\u0000')) return `${what} must not contain NUL (\\u0000)`;
  if (LONE_SURROGATE.test(value)) return `${what} must not contain a lone UTF-16 surrogate`;
  return null;
}

// Values written into SQL text as typed literals, for statements that take no parameters (COPY (SELECT ...) TO
// STDOUT). A number becomes the shortest decimal that reads back as the same double (float8in parses it exactly, so
// the statement computes what the parameterised one would); a string goes through node-postgres' escapeLiteral.
import pg from 'pg';

export type LiteralType = 'float8' | 'float8[]' | 'text' | 'text[]' | 'timestamptz' | 'int';

function scalar(value: unknown, type: 'float8' | 'text' | 'timestamptz' | 'int'): string {
  switch (type) {
    case 'float8':
      if (typeof value !== 'number') throw new TypeError(`sql literal: ${String(value)} is not a number`);
      return `'${String(value)}'::float8`;
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`sql literal: ${String(value)} is not an integer`);
      return `${value}::int`;
    case 'text':
      if (typeof value !== 'string') throw new TypeError(`sql literal: ${String(value)} is not a string`);
      return `${pg.escapeLiteral(value)}::text`;
    case 'timestamptz':
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`sql literal: ${String(value)} is not a date`);
      return `${pg.escapeLiteral(value.toISOString())}::timestamptz`;
  }
}

/** `value` as an SQL literal of `type`; a value of the wrong kind is a programming error. */
export function sqlLiteral(value: unknown, type: LiteralType): string {
  if (type === 'float8[]' || type === 'text[]') {
    if (!Array.isArray(value)) throw new TypeError(`sql literal: ${String(value)} is not an array`);
    const element = type === 'float8[]' ? 'float8' : 'text';
    return `ARRAY[${value.map((v) => scalar(v, element)).join(', ')}]::${type}`;
  }
  return scalar(value, type);
}

// DateTime (ISO-8601 with a zone) and JSON scalars.
// As inputs they appear in EventInput only, where one bad item must not fail its batch: parseValue/parseLiteral never
// throw, they return the marker of src/modules/events/loose-fields.ts and validateEvent rejects that item with a code.
import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';
import { checkJson, InvalidDateTime, parseDateTime } from '../modules/events/loose-fields.ts';

export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'ISO-8601 date-time with a zone',
  serialize(value) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
    if (typeof value === 'string') {
      const d = parseDateTime(value);
      if (!(d instanceof InvalidDateTime)) return d.toISOString();
    }
    throw new GraphQLError('DateTime cannot represent a non-date value');
  },
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : `a ${ast.kind} literal`),
});

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value',
  serialize: (v) => v,
  parseValue: checkJson,
  parseLiteral: (ast, variables) => checkJson(valueFromASTUntyped(ast, variables)),
});

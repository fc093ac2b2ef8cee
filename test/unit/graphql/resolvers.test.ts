// Every root field of the schema has a resolver: a missing one would only show up as an internal error at run time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import { buildResolvers } from '../../../src/graphql/resolvers.ts';
import { SCHEMA_PATH } from '../../../src/http/server.ts';
import { MUTATION_ROLES } from '../../../src/modules/auth/authorization.ts';

const schema = buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
const resolvers = buildResolvers() as Record<string, Record<string, unknown> | undefined>;

describe('resolvers', () => {
  for (const root of ['Query', 'Mutation'] as const) {
    it(`resolve every ${root} field`, () => {
      const fields = Object.keys((schema.getType(root) as GraphQLObjectType).getFields());
      const missing = fields.filter((f) => typeof resolvers[root]?.[f] !== 'function');
      assert.deepEqual(missing, []);
    });
  }

  it('give every mutation a role', () => {
    const fields = Object.keys(schema.getMutationType()!.getFields()).sort();
    assert.deepEqual(Object.keys(MUTATION_ROLES).sort(), fields);
  });
});

// The `events` variable of an ingestEvents mutation, coerced by code compiled from the schema (graphql-jit's variable
// parsing) instead of graphql-js's generic walk of the input types.
//
// Why: graphql-js coerces a variable by walking its type for every value: for a batch of 1,000 EventInputs that is
// ~10,000 recursive calls with their type checks and path objects, 6-7 ms of the service's ~20 ms of CPU per 1,000
// events (graphql-js's getVariableValues on the real schema over bench batches, NODE_ENV=production, steady
// state), the largest single cost of ingest in the service. The compiled parser does the same batch in ~2 ms.
//
// How: after every check has seen the request as sent (guardrails, authorisation: didResolveOperation), and just before
// graphql-js executes it, this plugin coerces the variable with the compiled parser, keeps the result on the request's
// context (Context.eventBatch), and hands graphql-js an empty list in its place; the ingestEvents resolver takes the
// batch from the context. Only an operation made of nothing but `ingestEvents(events: $v)`, with `$v: [EventInput!]!`
// used nowhere else, qualifies, so the swapped value cannot reach another field. When the compiled parser finds the
// value invalid, nothing is swapped: graphql-js coerces it as before and reports its errors exactly as it always has
// (so errors keep graphql-js's wording), and graphql-js alone serves every other operation and WebSocket requests.
// test/unit/graphql/event-batch-coercion.test.ts holds the compiled parser to graphql-js's output, value for value.
import { createRequire } from 'node:module';
import { Kind, parse, print, visit, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type VariableDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { compileVariableParsing as CompileVariableParsing, failToParseVariables as FailToParseVariables } from 'graphql-jit/dist/variables.js';
import type { EventInput } from '../generated/graphql.ts';

// graphql-jit's ES module build of this file imports a sibling without its extension, which Node's ESM loader refuses;
// its CommonJS build loads the same `graphql` module as ours (graphql 16 has no ESM entry for Node), so instanceof holds.
const { compileVariableParsing, failToParseVariables } = createRequire(import.meta.url)('graphql-jit/dist/variables.js') as {
  compileVariableParsing: typeof CompileVariableParsing;
  failToParseVariables: typeof FailToParseVariables;
};

const BATCH_TYPE = '[EventInput!]!';
const BATCH_VARIABLE = 'events';

/** Compiles the coercion of one `[EventInput!]!` variable named `events`, once per schema. */
export function compileEventBatchCoercion(schema: GraphQLSchema): (value: unknown) => EventInput[] | null {
  const op = parse(`mutation ($${BATCH_VARIABLE}: ${BATCH_TYPE}) { __typename }`).definitions[0] as OperationDefinitionNode;
  const coerce = compileVariableParsing(schema, op.variableDefinitions ?? []);
  return (value) => {
    const result = coerce({ [BATCH_VARIABLE]: value });
    // The compiled parser applies the schema's own scalars (DateTime, JSON: src/graphql/scalars.ts), so what it returns
    // is what graphql-js would pass to the resolver as EventInput[].
    return failToParseVariables(result) ? null : (result.coerced[BATCH_VARIABLE] as EventInput[]);
  };
}

/** How many times the document refers to `$name` outside variable definitions. */
function usesOf(document: DocumentNode, name: string): number {
  let n = 0;
  visit(document, {
    VariableDefinition: () => false, // skip the definitions themselves
    Variable(node) {
      if (node.name.value === name) n++;
    },
  });
  return n;
}

/**
 * The name of the variable this operation passes as ingestEvents' `events`, when the operation is exactly
 * `mutation (...$v: [EventInput!]!...) { [alias:] ingestEvents(events: $v) { ... } }` and `$v` appears nowhere else;
 * otherwise null.
 */
export function eventBatchVariable(document: DocumentNode, op: OperationDefinitionNode): string | null {
  if (op.operation !== 'mutation' || op.selectionSet.selections.length !== 1) return null;
  const field = op.selectionSet.selections[0]!;
  if (field.kind !== Kind.FIELD || field.name.value !== 'ingestEvents' || (field.directives?.length ?? 0) > 0) return null;
  const arg = field.arguments?.find((a) => a.name.value === 'events');
  if (!arg || arg.value.kind !== Kind.VARIABLE) return null;
  const name = arg.value.name.value;
  const def: VariableDefinitionNode | undefined = op.variableDefinitions?.find((d) => d.variable.name.value === name);
  if (!def || def.defaultValue || (def.directives?.length ?? 0) > 0 || print(def.type) !== BATCH_TYPE) return null;
  return usesOf(document, name) === 1 ? name : null;
}

export function eventBatchCoercionPlugin<TContext extends { eventBatch?: EventInput[] }>(schema: GraphQLSchema): ApolloServerPlugin<TContext> {
  const coerce = compileEventBatchCoercion(schema);
  // Apollo hands the same parsed document to every request with the same query text, so the shape is judged once.
  const judged = new WeakMap<OperationDefinitionNode, string | null>();
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ request, document, operation, contextValue }) {
          let name = judged.get(operation);
          if (name === undefined) {
            name = eventBatchVariable(document, operation);
            judged.set(operation, name);
          }
          const value = name === null ? undefined : request.variables?.[name];
          // anything but a list (graphql-js would wrap a single item in one) is left to graphql-js
          if (name === null || !Array.isArray(value)) return;
          const batch = coerce(value);
          if (batch === null) return;
          contextValue.eventBatch = batch;
          request.variables = { ...request.variables, [name]: [] };
          // The parsed request body (the HTTP framework's, which Apollo's variables were) holds the same array until
          // the response: emptied, its thousand objects are garbage now rather than survivors of every young-generation
          // collection while the batch's transaction runs.
          value.length = 0;
        },
      };
    },
  };
}

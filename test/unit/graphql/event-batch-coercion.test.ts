// The compiled coercion of ingestEvents' `events` (src/graphql/event-batch-coercion.ts) against graphql-js's own, on
// the service's executable schema: wherever the compiled one accepts a batch, graphql-js accepts it too and gives the
// very same values (deepStrictEqual: prototypes, Dates, the scalars' rejection markers); where it refuses, graphql-js
// takes the batch and reports its errors as before. Plus which operations the plugin takes over.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import type { GraphQLRequestContextExecutionDidStart } from '@apollo/server';
import type { EventInput } from '../../../src/generated/graphql.ts';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { buildResolvers } from '../../../src/graphql/resolvers.ts';
import { SCHEMA_PATH } from '../../../src/http/server.ts';
import { compileEventBatchCoercion, eventBatchCoercionPlugin, eventBatchVariable } from '../../../src/graphql/event-batch-coercion.ts';
import { createRng, type Rng } from '../../../src/compute/random.ts';

const schema = makeExecutableSchema({ typeDefs: readFileSync(SCHEMA_PATH, 'utf8'), resolvers: buildResolvers() });
const coerce = compileEventBatchCoercion(schema);
const BATCH_OP = parse('mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { accepted } }').definitions[0] as OperationDefinitionNode;

/** graphql-js's coercion of the same variable: the values, or null when it reports errors. */
function byGraphqlJs(value: unknown): unknown[] | null {
  const r = getVariableValues(schema, BATCH_OP.variableDefinitions ?? [], { events: value });
  return r.errors ? null : (r.coerced.events as unknown[]);
}

/**
 * `v` with every invalid Date (the DateTime scalar's rejection marker) as a plain record of its class and problem: an
 * invalid Date's time is NaN, which deepStrictEqual never finds equal to itself. Prototypes are kept.
 */
function comparable(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? { invalid: v.constructor.name, ...v } : v;
  if (Array.isArray(v)) return v.map(comparable);
  if (v === null || typeof v !== 'object') return v;
  const out = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
  for (const [k, x] of Object.entries(v)) out[k] = comparable(x);
  return out;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;

/** A field value: mostly what a client sends, sometimes what a careless or hostile one does. */
function oddValue(rng: Rng, depth = 0): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => rng.int(1000),
    () => rng.next() * 1e6 - 5e5,
    () => 1e308,
    () => -0,
    () => 2 ** 53 + 2,
    () => pick(rng, ['', 'a', 'PAGE_VIEW', 'page_view', '2026-11-27T10:00:00Z', '2026-11-27T10:00:00', '2026-02-30T00:00:00Z', 'x\u0000y', 'lone \ud800', '\u{1F600}', '10', '1.5', 'true']),
    () => pick(rng, [true, false]),
    () => (depth < 3 ? Array.from({ length: rng.int(3) }, () => oddValue(rng, depth + 1)) : []),
    () => (depth < 3 ? { k: oddValue(rng, depth + 1), ['n\u0000k']: rng.int(2) === 0 ? 1 : undefined } : {}),
  ];
  return pick(rng, choices)();
}

const TYPES = ['SESSION_START', 'SESSION_END', 'PAGE_VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'REVIEW'];

/** A valid event with its optional fields present or not at random. */
function goodEvent(rng: Rng, i: number): Record<string, unknown> {
  const e: Record<string, unknown> = {
    eventId: `e-${i}`,
    userId: `u-${rng.int(50)}`,
    type: pick(rng, TYPES),
    occurredAt: pick(rng, ['2026-11-27T10:00:00Z', '2026-11-27T10:00:00.123+08:00', '2026-11-27T10:00:00.5-0530']),
  };
  if (rng.int(2)) e.itemId = `item-${rng.int(100)}`;
  if (rng.int(2)) e.categories = Array.from({ length: rng.int(4) }, (_, k) => `cat-${k}`);
  if (rng.int(3) === 0) e.amount = Math.round(rng.next() * 1e6) / 100;
  if (rng.int(3) === 0) e.durationSeconds = rng.next() * 600;
  if (rng.int(5) === 0) e.text = pick(rng, ['great', '很好用', 'meh \u{1F600}']);
  if (rng.int(5) === 0) e.rating = 1 + rng.int(5);
  if (rng.int(3) === 0) e.properties = { device: pick(rng, ['ios', 'web']), n: rng.int(9), nested: [1, { a: null }] };
  return e;
}

const FIELDS = ['eventId', 'userId', 'type', 'occurredAt', 'itemId', 'categories', 'amount', 'durationSeconds', 'text', 'rating', 'properties', 'unknownField'];

/** A batch: good events, some with one field replaced by an odd value (or removed, or an unknown one added). */
function batch(rng: Rng): unknown {
  if (rng.int(20) === 0) return oddValue(rng);
  return Array.from({ length: 1 + rng.int(6) }, (_, i) => {
    if (rng.int(25) === 0) return oddValue(rng);
    const e = goodEvent(rng, i);
    if (rng.int(2) === 0) {
      const f = pick(rng, FIELDS);
      if (rng.int(4) === 0) delete e[f];
      else e[f] = oddValue(rng);
    }
    return e;
  });
}

describe('compiled coercion of the ingestEvents batch', () => {
  it('gives exactly what graphql-js gives wherever it accepts a batch, and accepts none that graphql-js refuses', () => {
    const rng = createRng(20261127);
    let compiledAccepted = 0;
    let graphqlJsAccepted = 0;
    for (let n = 0; n < 5000; n++) {
      const value = batch(rng);
      const expected = byGraphqlJs(value);
      const got = coerce(value);
      if (expected) graphqlJsAccepted++;
      if (got === null) continue;
      compiledAccepted++;
      assert.notEqual(expected, null, `graphql-js refuses what the compiled coercion accepted: ${JSON.stringify(value)}`);
      assert.deepStrictEqual(comparable(got), comparable(expected), JSON.stringify(value));
    }
    // Not vacuous: most batches graphql-js accepts, the compiled one accepts too (they are the fast path's point).
    assert.ok(graphqlJsAccepted > 1500, `graphql-js accepted ${graphqlJsAccepted}`);
    assert.ok(compiledAccepted >= 0.9 * graphqlJsAccepted, `compiled ${compiledAccepted} of graphql-js's ${graphqlJsAccepted}`);
  });

  it('keeps the scalars: DateTime as a Date, bad times and bad JSON as the markers validateEvent rejects', () => {
    const [good, noZone, nul] = coerce([
      { eventId: 'a', userId: 'u', type: 'CLICK', occurredAt: '2026-11-27T10:00:00+08:00', properties: { a: [1] } },
      { eventId: 'b', userId: 'u', type: 'CLICK', occurredAt: '2026-11-27T10:00:00' },
      { eventId: 'c', userId: 'u', type: 'CLICK', occurredAt: '2026-11-27T10:00:00Z', properties: { k: 'x\u0000' } },
    ])!;
    assert.equal((good!.occurredAt as Date).toISOString(), '2026-11-27T02:00:00.000Z');
    assert.deepEqual(good!.properties, { a: [1] });
    assert.match((noZone!.occurredAt as Date & { problem: string }).problem, /has no zone/);
    assert.match((nul!.properties as { problem: string }).problem, /NUL/);
  });

  it('refuses what graphql-js refuses: a missing required field, an unknown enum value, an unknown field', () => {
    for (const bad of [
      [{ userId: 'u', type: 'CLICK', occurredAt: '2026-11-27T10:00:00Z' }],
      [{ eventId: 'a', userId: 'u', type: 'NOPE', occurredAt: '2026-11-27T10:00:00Z' }],
      [{ eventId: 'a', userId: 'u', type: 'CLICK', occurredAt: '2026-11-27T10:00:00Z', extra: 1 }],
      [null],
    ]) {
      assert.equal(byGraphqlJs(bad), null);
      assert.equal(coerce(bad), null, JSON.stringify(bad));
    }
  });
});

describe('which operations take the compiled coercion', () => {
  const judge = (source: string) => {
    const document = parse(source);
    return eventBatchVariable(document, document.definitions.find((d) => d.kind === 'OperationDefinition') as OperationDefinitionNode);
  };

  it('an ingestEvents mutation with its batch in a [EventInput!]! variable, aliased or not', () => {
    assert.equal(judge('mutation M($events: [EventInput!]!) { ingestEvents(events: $events) { accepted } }'), 'events');
    assert.equal(judge('mutation ($b: [EventInput!]!, $unused: Int) { r: ingestEvents(events: $b) { accepted rejected { code } } }'), 'b');
  });

  it('nothing else: other fields beside it, a directive, a literal batch, a nullable variable, a variable used twice, a query', () => {
    for (const source of [
      'mutation ($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } b: ingestEvents(events: $e) { accepted } }',
      'mutation ($e: [EventInput!]!, $s: Boolean!) { ingestEvents(events: $e) @include(if: $s) { accepted } }',
      'mutation { ingestEvents(events: []) { accepted } }',
      'mutation ($e: [EventInput!]) { ingestEvents(events: $e) { accepted } }',
      'mutation ($e: [EventInput]!) { ingestEvents(events: $e) { accepted } }',
      'query ($e: [EventInput!]!) { __typename }',
    ]) {
      assert.equal(judge(source), null, source);
    }
  });
});

describe('the plugin', () => {
  const plugin = eventBatchCoercionPlugin<{ eventBatch?: EventInput[] }>(schema);
  /** Runs the plugin's executionDidStart on a request for `source` with `variables`; the request and context after it. */
  async function run(source: string, variables: Record<string, unknown>) {
    const document = parse(source);
    const operation = document.definitions[0] as OperationDefinitionNode;
    const request = { query: source, variables };
    const contextValue: { eventBatch?: EventInput[] } = {};
    // only the fields executionDidStart reads
    const requestContext = { request, document, operation, contextValue } as Partial<GraphQLRequestContextExecutionDidStart<typeof contextValue>>;
    const listener = await plugin.requestDidStart!(requestContext as GraphQLRequestContextExecutionDidStart<typeof contextValue>);
    await listener!.executionDidStart!(requestContext as GraphQLRequestContextExecutionDidStart<typeof contextValue>);
    return { request, contextValue };
  }
  const EVENT = { eventId: 'a', userId: 'u', type: 'CLICK', occurredAt: '2026-11-27T10:00:00Z' };

  it('hands graphql-js an empty list and the resolver the coerced batch, and lets the parsed body\'s copy go', async () => {
    const sent = { b: [EVENT], n: 3 };
    const { request, contextValue } = await run('mutation ($b: [EventInput!]!, $n: Int) { ingestEvents(events: $b) { accepted } }', sent);
    assert.deepEqual(request.variables, { b: [], n: 3 });
    // the array the HTTP framework parsed (and keeps to the response) is emptied: only the coerced batch stays alive
    assert.deepEqual(sent.b, []);
    assert.equal(contextValue.eventBatch?.length, 1);
    assert.equal((contextValue.eventBatch![0]!.occurredAt as Date).toISOString(), '2026-11-27T10:00:00.000Z');
  });

  it('leaves the request to graphql-js when the batch does not coerce, is not a list, or the operation does not qualify', async () => {
    for (const [source, variables] of [
      ['mutation ($b: [EventInput!]!) { ingestEvents(events: $b) { accepted } }', { b: [{ ...EVENT, type: 'NOPE' }] }],
      ['mutation ($b: [EventInput!]!) { ingestEvents(events: $b) { accepted } }', { b: EVENT }],
      ['mutation ($b: [EventInput!]) { ingestEvents(events: $b) { accepted } }', { b: [EVENT] }],
    ] as const) {
      const { request, contextValue } = await run(source, variables);
      assert.deepEqual(request.variables, variables, source);
      assert.equal(contextValue.eventBatch, undefined);
    }
  });
});

// Hostile documents are refused before any resolver runs, with a clear message and a stable code; legitimate large
// requests (a full page of users, a 10,000-event batch) still pass.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, TEST_ADMIN_KEY, type GraphQLResponse, type TestServer } from '../support/server.ts';
import { DEFAULT_LIMITS } from '../../src/graphql/guardrails.ts';

const NOW = new Date('2026-11-20T12:00:00Z');

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW });
});
after(() => server.close());

/** POSTs as ADMIN and returns the HTTP status with the body */
async function post(query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: GraphQLResponse }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as GraphQLResponse };
}

function assertRefused(r: { status: number; body: GraphQLResponse }, code: string, message: RegExp) {
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.data, undefined, 'a refused document must not execute');
  const errors = r.body.errors ?? [];
  assert.ok(
    errors.some((e) => e.extensions?.code === code && message.test(e.message)),
    `expected ${code} matching ${message}, got ${JSON.stringify(errors)}`,
  );
  // guardrails are validation errors, not syntax errors
  if (code === 'GRAPHQL_VALIDATION_FAILED') for (const e of errors) assert.doesNotMatch(e.message, /^Syntax Error/);
}

const PROFILE_FIELDS = `sessionsCount avgSessionDuration pageViewsPerSession totalSpent purchaseFrequency lastPurchaseDays
  avgOrderValue engagementScore recencyScore activityLevel userType interestTags updatedAt totalSessionDuration pageViews
  totalDwellSeconds clicks cartAdds reviews eventCount firstEventAt lastActiveAt`;
const FULL_PAGE = `users(first: 500) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id age gender cityTier createdAt profile { ${PROFILE_FIELDS} } } } }`;

/**
 * Introspection through __type nests as deep as one likes with `ofType` (only __schema, GraphiQL's own query, is
 * exempt from the depth limit): __type, fields, type, n x ofType, name = depth n + 4.
 */
function typeChain(n: number): string {
  let selection = 'name';
  for (let i = 0; i < n; i++) selection = `ofType { ${selection} }`;
  return `query Deep { __type(name: "Query") { fields { type { ${selection} } } } }`;
}

describe('query guardrails', () => {
  it('refuses a depth bomb', async () => {
    const r = await post(typeChain(10)); // depth 14
    assertRefused(r, 'GRAPHQL_VALIDATION_FAILED', new RegExp(`Query depth limit of ${DEFAULT_LIMITS.maxDepth} exceeded, found 14`));
  });

  it('accepts a query at the depth limit', async () => {
    const r = await post(typeChain(DEFAULT_LIMITS.maxDepth - 4));
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.errors, undefined);
  });

  it('refuses an alias bomb', async () => {
    const fields = Array.from({ length: 40 }, (_, i) => `u${i}: user(id: "u${i}") { id }`).join(' ');
    const r = await post(`query Aliases { ${fields} }`);
    assertRefused(r, 'GRAPHQL_VALIDATION_FAILED', new RegExp(`Aliases limit of ${DEFAULT_LIMITS.maxAliases} exceeded, found 40`));
  });

  it('refuses a document too costly to run, and accepts one full page of users', async () => {
    const pages = Array.from({ length: 4 }, (_, i) => `p${i}: ${FULL_PAGE}`).join(' ');
    assertRefused(
      await post(`query Costly { ${pages} }`),
      'GRAPHQL_VALIDATION_FAILED',
      /^Query cost 311,500 exceeds the limit of 250,000\. The costliest list is p0 \(first: 500, up to 500 items\): ask for smaller pages \(first\) there, or fewer fields per item\.$/,
    );
    const one = await post(`query OnePage { ${FULL_PAGE} }`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.errors, undefined);
  });

  it('counts page sizes given as variables or left to their defaults, and names the list to shrink', async () => {
    const nested = `query Nested($n: Int) { users(first: $n) { edges { node { id segment { users(first: $n) { edges { node { id profile { totalSpent } } } } } } } } }`;
    assertRefused(
      await post(nested, { n: 500 }),
      'GRAPHQL_VALIDATION_FAILED',
      /^Query cost [\d,]+ exceeds the limit of 250,000\. The costliest list is users\.edges\.node\.segment\.users \(first: 500 inside first: 500, up to 250,000 items\)/,
    );
    // the same document with small pages is fine
    const small = await post(nested, { n: 5 });
    assert.equal(small.status, 200, JSON.stringify(small.body));
    // a page over the largest one served is left to the field, whose refusal names the limit
    const huge = await post(`query Huge($n: Int) { users(first: $n) { totalCount } }`, { n: 100_000 });
    assert.deepEqual(huge.body.errors?.map((e) => [e.extensions?.code, e.message]), [['BAD_USER_INPUT', 'first: must be an integer from 0 to 500']]);
    // no variable given: the schema's default page (50) counts, here 50 x 50 x 50
    const defaults = await post(`query Defaults { users { edges { node { segment { users { edges { node { segment { users { totalCount } } } } } } } } } }`);
    assertRefused(defaults, 'GRAPHQL_VALIDATION_FAILED', /\(first: 50 inside first: 50 inside first: 50, up to 125,000 items\)/);
    // fragments count as if written in place
    const viaFragment = await post(`query F($n: Int) { users(first: $n) { ...Page } } fragment Page on UserConnection { edges { node { segment { users(first: $n) { totalCount edges { node { id age gender } } } } } } }`, { n: 500 });
    assertRefused(viaFragment, 'GRAPHQL_VALIDATION_FAILED', /The costliest list is users\.edges\.node\.segment\.users \(first: 500 inside first: 500/);
  });

  it('costs a page size given as a variable on every request, also after the same document passed with a small one', async () => {
    // Documents whose cost cannot change with their variables are checked once (query-cost.ts): this one can.
    const nested = `query Again($n: Int) { users(first: $n) { edges { node { id segment { users(first: $n) { totalCount } } } } } }`;
    for (const n of [5, 5]) {
      const small = await post(nested, { n });
      assert.equal(small.status, 200, JSON.stringify(small.body));
    }
    assertRefused(await post(nested, { n: 500 }), 'GRAPHQL_VALIDATION_FAILED', /^Query cost [\d,]+ exceeds the limit of 250,000\./);
    // a literal page size over the limit is refused every time, not only the first
    const pages = Array.from({ length: 4 }, (_, i) => `p${i}: ${FULL_PAGE}`).join(' ');
    for (let i = 0; i < 2; i++) assertRefused(await post(`query CostlyAgain { ${pages} }`), 'GRAPHQL_VALIDATION_FAILED', /^Query cost 311,500 exceeds/);
  });

  it('reports every violated limit without calling it a syntax error', async () => {
    const fields = Array.from({ length: 20 }, (_, i) => `u${i}: user(id: "u${i}") { id }`).join(' ');
    const directives = Array.from({ length: DEFAULT_LIMITS.maxDirectives + 1 }, () => '@include(if: true)').join(' ');
    const r = await post(`query Both { ${fields} __typename ${directives} }`);
    assertRefused(r, 'GRAPHQL_VALIDATION_FAILED', /^Aliases limit of 15 exceeded, found 20\.$/);
    assertRefused(r, 'GRAPHQL_VALIDATION_FAILED', /^Directives limit of 20 exceeded, found 21\.$/);
  });

  it('refuses too many directives', async () => {
    const directives = Array.from({ length: DEFAULT_LIMITS.maxDirectives + 5 }, () => '@include(if: true)').join(' ');
    const r = await post(`query Directives { __typename ${directives} }`);
    assertRefused(r, 'GRAPHQL_VALIDATION_FAILED', new RegExp(`Directives limit of ${DEFAULT_LIMITS.maxDirectives} exceeded`));
  });

  it('refuses a document with too many tokens while parsing it', async () => {
    const r = await post(`query Tokens { ${'__typename '.repeat(DEFAULT_LIMITS.maxTokens + 10)} }`);
    assertRefused(r, 'GRAPHQL_PARSE_FAILED', new RegExp(`Document contains more th\\w+ ${DEFAULT_LIMITS.maxTokens} tokens`));
  });

  it('refuses an oversized page with a clear error', async () => {
    const r = await post(`query Big { users(first: 501) { totalCount } }`);
    assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(r.body));
    assert.match(r.body.errors?.[0]?.message ?? '', /first: must be an integer from 0 to 500/);
  });

  it('accepts a 10,000-event ingest (variables are not counted as tokens)', async () => {
    const t0 = NOW.getTime() - 24 * 3600_000;
    const events = Array.from({ length: 10_000 }, (_, i) => ({
      eventId: `g-${i}`,
      userId: `user-${i % 200}`,
      type: i % 10 === 9 ? 'PURCHASE' : 'PAGE_VIEW',
      occurredAt: new Date(t0 + i * 1000).toISOString(),
      itemId: `sku-${i % 97}`,
      categories: ['electronics', 'books'],
      ...(i % 10 === 9 ? { amount: 12.5 } : { durationSeconds: 30 }),
    }));
    const r = await post(`mutation Ingest($events: [EventInput!]!) { ingestEvents(events: $events) { accepted duplicates rejected { index code } } }`, { events });
    assert.equal(r.status, 200, JSON.stringify(r.body.errors));
    assert.deepEqual(r.body.data, { ingestEvents: { accepted: 10_000, duplicates: 0, rejected: [] } });
  });

  it('refuses a body over the 32 MB limit with 413', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(33 * 1024 * 1024) } }),
    });
    assert.equal(res.status, 413);
  });

  it('suggests field names in development and hides the suggestions in production', async () => {
    const typo = `query Typo { users { totalCont } }`;
    const dev = await post(typo);
    assert.match(dev.body.errors?.[0]?.message ?? '', /Did you mean "totalCount"\?/);
    const prod = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      const res = await fetch(prod.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify({ query: typo }),
      });
      const body = (await res.json()) as GraphQLResponse;
      const message = body.errors?.[0]?.message ?? '';
      assert.match(message, /Cannot query field "totalCont" on type "UserConnection"/);
      assert.doesNotMatch(message, /totalCount/);
      assert.equal(body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    } finally {
      await prod.close();
    }
  });
});

// Review embeddings from an OpenAI-compatible endpoint: the client against a local HTTP server speaking the OpenAI
// embeddings shape (success, 429 then success, timeout, malformed answers), and the backfill through the real path
// (GraphQL ingest -> PENDING reviews -> the backfill -> profile sums in PostgreSQL), with the endpoint down at ingest.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startEmbeddingsStub, stubVector, STUB_DIM, type EmbeddingsStub } from '../support/embeddings-stub.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ingestEvents } from '../support/seed.ts';
import { EmbeddingsError, openAiEmbeddings } from '../../src/modules/text/embeddings-provider.ts';
import { MAX_ATTEMPTS } from '../../src/modules/text/embedding-backfill.ts';
import type { EmbeddingsSettings } from '../../src/config/env.ts';

let stub: EmbeddingsStub;
before(async () => {
  stub = await startEmbeddingsStub();
});
after(() => stub.close());

const settings = (over: Partial<EmbeddingsSettings> = {}): EmbeddingsSettings => ({
  baseUrl: stub.baseUrl, model: 'stub-embed', apiKey: 'sk-test', batch: 16, timeoutMs: 2_000, dimensions: null, ...over,
});
const fast = { attempts: 3, baseMs: 20, maxWaitMs: 100 };

async function rejection(p: Promise<unknown>): Promise<EmbeddingsError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof EmbeddingsError, `expected an EmbeddingsError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

describe('the OpenAI-compatible embeddings client', () => {
  it('returns one vector per input in input order, whatever order the answer lists them in', async () => {
    stub.script({ kind: 'ok', shuffle: true });
    const texts = ['物流太慢了', 'great quality', 'so-so'];
    const vectors = await openAiEmbeddings(settings(), fast).embed(texts);
    assert.deepEqual(vectors, texts.map((t) => stubVector(t)));
    assert.deepEqual(stub.requests.at(-1), { model: 'stub-embed', input: texts, encoding_format: 'float' });
  });

  it('sends the configured dimensions', async () => {
    stub.script({ kind: 'ok' });
    await assert.rejects(openAiEmbeddings(settings({ dimensions: 4 }), fast).embed(['a']), /8 dimensions, expected 4/);
    assert.equal(stub.requests.at(-1)!.dimensions, 4);
  });

  it('retries a 429 (honouring Retry-After) and a 503, then succeeds', async () => {
    stub.script({ kind: 'status', status: 429, retryAfter: '0' }, { kind: 'status', status: 503 }, { kind: 'ok' });
    const before = stub.requests.length;
    assert.deepEqual(await openAiEmbeddings(settings(), fast).embed(['hello']), [stubVector('hello')]);
    assert.equal(stub.requests.length - before, 3);
  });

  it('gives up on a server that does not answer within the timeout: a transient failure', async () => {
    stub.script({ kind: 'hang' });
    const t0 = performance.now();
    const err = await rejection(openAiEmbeddings(settings({ timeoutMs: 150 }), { attempts: 2, baseMs: 10, maxWaitMs: 10 }).embed(['x']));
    assert.equal(err.transient, true);
    assert.match(err.message, /no answer within 150 ms \(after 2 attempts\)/);
    assert.ok(performance.now() - t0 < 2_000);
  });

  it('rejects malformed answers without retrying them: not JSON, wrong shape, wrong count, mixed dimensions', async () => {
    const cases: [string, RegExp][] = [
      ['{"data": [', /not JSON/],
      [JSON.stringify({ data: [{ index: 0, embedding: ['1'] }] }), /data\[\]\.index and data\[\]\.embedding/],
      [JSON.stringify({ data: [] }), /0 embeddings for 1 inputs/],
      [JSON.stringify({ data: [{ index: 3, embedding: [1] }] }), /index 3 out of range/],
    ];
    for (const [body, message] of cases) {
      stub.script({ kind: 'raw', body });
      const before = stub.requests.length;
      const err = await rejection(openAiEmbeddings(settings(), fast).embed(['x']));
      assert.equal(err.transient, false, body);
      assert.match(err.message, message);
      assert.equal(stub.requests.length - before, 1, 'an unusable answer is not asked again at once');
    }
    stub.script({ kind: 'raw', body: JSON.stringify({ data: [{ index: 0, embedding: [1, 2] }, { index: 1, embedding: [1] }] }) });
    assert.match((await rejection(openAiEmbeddings(settings(), fast).embed(['a', 'b']))).message, /1 dimensions, expected 2/);
    stub.script({ kind: 'status', status: 401 });
    const refused = await rejection(openAiEmbeddings(settings(), fast).embed(['x']));
    assert.deepEqual([refused.transient, refused.message], [false, 'HTTP 401']);
  });
});

describe('the embedding backfill', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      env: { PORTRAIT_EMBEDDINGS_BASE_URL: stub.baseUrl, PORTRAIT_EMBEDDINGS_MODEL: 'stub-embed', PORTRAIT_EMBEDDINGS_BATCH: '4', PORTRAIT_EMBEDDINGS_TIMEOUT_MS: '500' },
    });
  });
  after(() => server.close());

  interface TextView { reviews: number; pendingEmbeddings: number; embeddedReviews: number; embeddingSpace: string | null }
  const textOf = async (id: string) =>
    (await server.gql<{ user: { profile: { text: TextView } } }>(`query($id: ID!) { user(id: $id) { profile { text { reviews pendingEmbeddings embeddedReviews embeddingSpace } } } }`, { id }))
      .data!.user.profile.text;
  const pendingTotal = async () =>
    (await server.database.pool.query<{ n: number }>('SELECT COALESCE(sum(pending_embeddings), 0)::int AS n FROM profiles')).rows[0]!.n;
  async function until(what: string, check: () => Promise<boolean>, limitMs = 20_000): Promise<void> {
    const end = Date.now() + limitMs;
    while (!(await check())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const review = (id: string, userId: string, text: string | null, rating?: number) => ({
    eventId: id, userId, type: 'REVIEW', occurredAt: '2026-11-20T08:00:00Z', ...(text !== null ? { text } : {}), ...(rating ? { rating } : {}),
  });

  it('ingests quickly while the endpoint is down, then fills every embedding when it is back; sums equal the events\' embeddings', async () => {
    stub.script({ kind: 'status', status: 503 });
    const events = [];
    // every user's reviews reuse the same eventIds (an eventId is unique per user): each must get its own text's vector
    for (let u = 0; u < 5; u++) for (let r = 0; r < 3; r++) events.push(review(`e-${r}`, `eu${u}`, `review ${r} by user ${u}: 物流${'快'.repeat(r + u)}`));
    events.push(review('e-rating', 'eu0', null, 4));
    const t0 = performance.now();
    const result = await ingestEvents(server, events);
    const ms = performance.now() - t0;
    assert.equal(result.accepted, 16);
    assert.ok(ms < 3_000, `ingest took ${ms} ms with the endpoint down`);
    const early = await textOf('eu0');
    assert.equal(early.reviews, 4);
    assert.equal(early.pendingEmbeddings, 3, 'the rating-only review has nothing to embed');
    assert.equal(early.embeddedReviews, 0);
    // down for a while: the backfill keeps trying and loses nothing
    await until('a few attempts while down', async () => stub.requests.length >= 3);
    assert.equal(await pendingTotal(), 15);

    stub.script({ kind: 'ok' });
    await until('every review embedded', async () => (await pendingTotal()) === 0);
    for (let u = 0; u < 5; u++) {
      const t = await textOf(`eu${u}`);
      assert.deepEqual([t.pendingEmbeddings, t.embeddedReviews, t.embeddingSpace], [0, 3, `stub-embed#${STUB_DIM}`]);
    }
    const { rows } = await server.database.pool.query<{ user_id: string; text: string; embedding: number[]; embedding_status: string }>(
      `SELECT user_id, text, embedding, embedding_status::text FROM events WHERE type = 'REVIEW' AND text IS NOT NULL`,
    );
    assert.ok(rows.every((r) => r.embedding_status === 'DONE'));
    for (const r of rows) r.embedding.forEach((v, i) => assert.ok(Math.abs(v - stubVector(r.text)[i]!) < 1e-6));
    const sums = await server.database.pool.query<{ user_id: string; embedding_sum: number[] }>('SELECT user_id, embedding_sum FROM profiles');
    for (const p of sums.rows) {
      const expected = new Array<number>(STUB_DIM).fill(0);
      for (const r of rows.filter((x) => x.user_id === p.user_id)) r.embedding.forEach((v, i) => (expected[i]! += v));
      p.embedding_sum.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `${p.user_id}[${i}]: ${v} vs ${expected[i]}`));
    }
  });

  it('marks a review the endpoint can never embed FAILED after repeated attempts, without holding back the others', async () => {
    stub.script({ kind: 'ok', badFor: 'POISON' });
    await ingestEvents(server, [review('p-1', 'pu', 'fine review one'), review('p-2', 'pu', 'a POISON review'), review('p-3', 'pu', 'fine review two')]);
    await until('the good reviews embedded', async () => (await textOf('pu')).embeddedReviews === 2);
    await until('the bad review failed', async () => (await textOf('pu')).pendingEmbeddings === 0);
    const { rows } = await server.database.pool.query<{ embedding_status: string; embedding_attempts: number; embedding_error: string }>(
      `SELECT embedding_status::text, embedding_attempts, embedding_error FROM events WHERE event_id = 'p-2'`,
    );
    assert.deepEqual([rows[0]!.embedding_status, rows[0]!.embedding_attempts], ['FAILED', MAX_ATTEMPTS]);
    assert.match(rows[0]!.embedding_error, /9 dimensions, expected 8/);
  });

  it('sends reviews of another space back to be embedded again, and rebuilds the sums in the new space', async () => {
    // as if these had been embedded offline before the operator configured the endpoint
    await server.database.pool.query(`UPDATE events SET embedding_space = 'hashed-tfidf#128' WHERE user_id = 'eu1'`);
    await server.database.pool.query(`UPDATE profiles SET embedding_space = 'hashed-tfidf#128', embedding_sum = '{1,2,3}' WHERE user_id = 'eu1'`);
    const backfill = server.services.embeddings!;
    assert.equal(await backfill.requeueOtherSpaces(), 3);
    assert.equal((await textOf('eu1')).pendingEmbeddings, 3);
    await until('re-embedded', async () => (await textOf('eu1')).pendingEmbeddings === 0);
    const t = await textOf('eu1');
    assert.deepEqual([t.embeddedReviews, t.embeddingSpace], [3, `stub-embed#${STUB_DIM}`]);
    const texts = (await server.database.pool.query<{ text: string }>(`SELECT text FROM events WHERE user_id = 'eu1' AND text IS NOT NULL`)).rows;
    const expected = new Array<number>(STUB_DIM).fill(0);
    for (const r of texts) stubVector(r.text).forEach((v, i) => (expected[i]! += v));
    const [sum] = (await server.database.pool.query<{ s: number[] }>(`SELECT embedding_sum AS s FROM profiles WHERE user_id = 'eu1'`)).rows;
    sum!.s.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5));
  });
});

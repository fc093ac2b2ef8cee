// The language-model namer against a local server that speaks the OpenAI chat-completions shape: success, retries
// (429, 5xx, timeout), and every kind of unusable answer falling back to the catalogue with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatNamer, NAME_MAX } from '../../../src/modules/segmentation/naming/chat-namer.ts';
import { catalogueNaming } from '../../../src/modules/segmentation/naming/catalogue-namer.ts';
import type { SegmentFacts } from '../../../src/modules/segmentation/naming/namer.ts';
import type { NamerSettings } from '../../../src/config/env.ts';
import { namesFor, promptSegments, startChatStub, type ChatStub, type RecordedRequest } from '../../support/chat-stub.ts';

let stub: ChatStub;
before(async () => (stub = await startChatStub()));
after(() => stub.close());

const labels = (value: 'HIGH' | 'LOW') =>
  ({ value, frequency: value, recency: 'HIGH', engagement: value, ageGroup: 'YOUNG', genderMix: 'BALANCED', cityTierMix: 'MIXED' }) as const;
const SECRET_REVIEW = 'my order 4711 from Alice Zhang arrived broken';
const segments: SegmentFacts[] = [
  {
    index: 0,
    size: 300,
    share: 0.3,
    labels: labels('HIGH'),
    relativeProfile: { totalSpent: 2.5, engagementScore: 1.8 },
    stats: [{ feature: 'totalSpent', mean: 900, std: 100, populationMean: 360, populationStd: 300, ratio: 2.5, missing: 0 }],
    text: { reviews: 80, sentiment: -0.45, negativeShare: 0.6, topics: [{ label: { EN: 'Delivery', ZH: '物流' }, share: 0.7 }], examples: [SECRET_REVIEW] },
  },
  { index: 1, size: 700, share: 0.7, labels: labels('LOW'), relativeProfile: { totalSpent: 0.4, engagementScore: 0.5 }, stats: [] },
];
const FAST = { attempts: 3, baseMs: 5, maxWaitMs: 5 };
const settings = (over: Partial<NamerSettings> = {}): NamerSettings => ({
  baseUrl: stub.baseUrl,
  model: 'stub-model',
  apiKey: 'sk-test',
  timeoutMs: 5_000,
  examples: false,
  ...over,
});
const namer = (over: Partial<NamerSettings> = {}) => chatNamer(settings(over), { retry: FAST });
const content = (f: (req: RecordedRequest) => string) => ({ kind: 'content', content: f }) as const;
/** an answer built from a valid one, changed by `change` */
const edited = (change: (answer: { segments: { index: number; name: { en: string; zh: string } }[] }) => void) =>
  content((req) => {
    const answer = JSON.parse(namesFor(req)) as { segments: { index: number; name: { en: string; zh: string } }[] };
    change(answer);
    return JSON.stringify(answer);
  });

async function expectFallback(reason: RegExp, requests?: number) {
  const result = await namer().name(segments);
  assert.equal(result.namedBy, 'catalogue');
  assert.match(result.fallbackReason ?? '', reason);
  assert.match(result.fallbackReason ?? '', /^stub-model: /, 'the reason names the model');
  assert.deepEqual(result.segments, catalogueNaming(segments), 'the catalogue names the segments');
  if (requests !== undefined) assert.equal(stub.requests.length, requests);
}

describe('chat namer', () => {
  it('uses a valid answer: names, descriptions and strategies in both locales', async () => {
    stub.script(content((req) => namesFor(req)));
    const result = await namer().name(segments);
    assert.equal(result.namedBy, 'stub-model');
    assert.equal(result.fallbackReason, null);
    assert.deepEqual(result.segments.map((s) => s.name), [{ EN: 'Voice 0', ZH: 'Voice中文0' }, { EN: 'Voice 1', ZH: 'Voice中文1' }]);
    assert.equal(result.segments[1]!.description.EN, 'Segment 1 of 700 users, described by the model.');
    const catalogue = catalogueNaming(segments);
    const strategy = result.segments[0]!.strategy.ZH;
    assert.deepEqual(strategy.actions, ['ZH action']);
    assert.equal(strategy.priority, catalogue[0]!.strategy.ZH.priority, 'the priority stays the rule-derived one');
    assert.deepEqual(strategy.traits, catalogue[0]!.strategy.ZH.traits);

    assert.equal(stub.requests.length, 1);
    const [req] = stub.requests;
    assert.equal(req!.path, '/v1/chat/completions');
    assert.equal(req!.headers.authorization, 'Bearer sk-test');
    assert.equal(req!.body.model, 'stub-model');
    assert.deepEqual(req!.body.response_format, { type: 'json_object' });
  });

  it('sends aggregate statistics only; example reviews only when allowed', async () => {
    stub.script(content((req) => namesFor(req)));
    await namer().name(segments);
    const prompt = JSON.stringify(stub.requests[0]!.body);
    assert.ok(!prompt.includes('Alice'), 'no review text leaves the service by default');
    const [first] = promptSegments(stub.requests[0]!);
    assert.equal(first!.size, 300);
    assert.equal(first!.reviews?.count, 80);
    assert.equal(first!.reviews?.examples, undefined);
    assert.match(prompt, /Delivery/);

    stub.script(content((req) => namesFor(req)));
    await namer({ examples: true }).name(segments);
    assert.deepEqual(promptSegments(stub.requests[0]!)[0]!.reviews?.examples, [SECRET_REVIEW]);
  });

  it('retries a 429, then uses the answer', async () => {
    stub.script({ kind: 'status', status: 429, retryAfter: '0' }, content((req) => namesFor(req)));
    const result = await namer().name(segments);
    assert.equal(result.namedBy, 'stub-model');
    assert.equal(stub.requests.length, 2);
  });

  it('retries a 5xx, then falls back when every attempt fails', async () => {
    stub.script({ kind: 'status', status: 503 });
    await expectFallback(/HTTP 503.*after 3 attempts/, 3);
  });

  it('gives up on an answer that does not come in time', async () => {
    stub.script({ kind: 'hang' });
    const result = await namer({ timeoutMs: 200 }).name(segments);
    assert.equal(result.namedBy, 'catalogue');
    assert.match(result.fallbackReason!, /no answer within 200 ms \(after 3 attempts\)/);
    assert.equal(stub.requests.length, 3);
  });

  it('a timeout, then an answer: the answer is used', async () => {
    stub.script({ kind: 'hang' }, content((req) => namesFor(req)));
    const result = await namer({ timeoutMs: 200 }).name(segments);
    assert.equal(result.namedBy, 'stub-model');
  });

  it('does not retry a refusal that will not change (401), and keeps what the server said out of the recorded reason', async () => {
    stub.script({ kind: 'status', status: 401, body: '{"error":{"message":"Incorrect API key provided: sk-te**"}}' });
    await expectFallback(/^stub-model: HTTP 401$/, 1);
  });

  it('falls back on malformed JSON', async () => {
    stub.script(content(() => 'Here are your names: {segments: [oops'));
    await expectFallback(/the answer is not JSON/);
  });

  it('reads an answer wrapped in a Markdown fence', async () => {
    stub.script(content((req) => '```json\n' + namesFor(req) + '\n```'));
    assert.equal((await namer().name(segments)).namedBy, 'stub-model');
  });

  it('falls back on a wrong shape', async () => {
    stub.script(content(() => JSON.stringify({ names: ['a', 'b'] })));
    await expectFallback(/does not have the expected shape/);
  });

  it('falls back when two segments get the same name (in either locale, ignoring case and spacing)', async () => {
    stub.script(edited((a) => (a.segments[1]!.name.en = ' voice  0')));
    await expectFallback(/segments 0 and 1 have the same EN name/);
    stub.script(edited((a) => (a.segments[1]!.name.zh = a.segments[0]!.name.zh)));
    await expectFallback(/same ZH name/);
  });

  it('falls back when a name is too long', async () => {
    stub.script(edited((a) => (a.segments[0]!.name.en = 'x'.repeat(NAME_MAX.EN + 1))));
    await expectFallback(/EN name of segment 0 is longer than 48 characters/);
    stub.script(edited((a) => (a.segments[0]!.name.zh = '很'.repeat(NAME_MAX.ZH + 1))));
    await expectFallback(/ZH name of segment 0 is longer than 16 characters/);
  });

  it('falls back when a segment is missing or unknown', async () => {
    stub.script(edited((a) => a.segments.pop()));
    await expectFallback(/no entry for segment\(s\) 1/);
    stub.script(edited((a) => (a.segments[1]!.index = 7)));
    await expectFallback(/no entry for segment\(s\) 1/);
  });

  it('falls back when nothing listens at the base URL', async () => {
    const result = await chatNamer(settings({ baseUrl: 'http://127.0.0.1:9/v1' }), { retry: FAST }).name(segments);
    assert.equal(result.namedBy, 'catalogue');
    assert.match(result.fallbackReason!, /the request failed: .*after 3 attempts/);
  });

  it('an aborted job stops waiting (rejects with the abort reason, no fallback)', async () => {
    stub.script({ kind: 'hang' });
    const abort = new AbortController();
    const pending = namer().name(segments, abort.signal);
    while (stub.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    abort.abort(new Error('job cancelled'));
    await assert.rejects(pending, /job cancelled/);
  });
});

// Reviews at ingest: the rating, the per-review analysis stored with the event, and the user's text profile, through
// GraphQL -> ingest -> PostgreSQL.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ingestEventsOk } from '../support/seed.ts';

const INGEST = `mutation($events: [EventInput!]!) {
  ingestEvents(events: $events) { accepted duplicates rejected { index eventId code message } }
}`;
const TEXT = `query($id: ID!, $locale: Locale) { user(id: $id) { profile { reviews text {
  reviews sentiment topics { share topic { id label(locale: $locale) terms } }
} } } }`;

interface IngestData {
  ingestEvents: { accepted: number; duplicates: number; rejected: { index: number; eventId: string | null; code: string; message: string }[] };
}
interface TextProfile {
  reviews: number;
  sentiment: number | null;
  topics: { share: number; topic: { id: string; label: string; terms: string[] } }[];
}

const NOW = new Date('2026-11-20T12:00:00Z');
const at = (minutes: number) => new Date(NOW.getTime() - 24 * 3600_000 + minutes * 60_000).toISOString();
let n = 0;
const review = (userId: string, fields: Record<string, unknown>) => ({ eventId: `r${++n}`, userId, type: 'REVIEW' as const, occurredAt: at(n), ...fields });

let server: TestServer;
before(async () => {
  server = await startTestServer({ now: () => NOW, jobs: false });
});
after(() => server.close());
beforeEach(() => {
  n = 0;
  return server.database.reset();
});

async function ingest(events: Record<string, unknown>[]) {
  const res = await server.gql<IngestData>(INGEST, { events });
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  return res.data!.ingestEvents;
}
async function text(id: string, locale: 'EN' | 'ZH' = 'EN'): Promise<TextProfile & { behaviourReviews: number }> {
  const res = await server.gql<{ user: { profile: { reviews: number; text: TextProfile } } }>(TEXT, { id, locale });
  assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  const p = res.data!.user.profile;
  return { ...p.text, behaviourReviews: p.reviews };
}
// each test's event ids are distinct across its users, so the id alone names the event
const stored = (eventId: string) => server.database.db.event.findFirstOrThrow({ where: { eventId } });

describe('EventInput.rating', () => {
  it('is stored on a REVIEW and rejected per item outside 1..5 or on another event type', async () => {
    const r = await ingest([
      review('u1', { text: 'great quality', rating: 5 }),
      review('u1', { rating: 0 }),
      review('u1', { rating: 5.5 }),
      review('u1', { rating: -1e308 }),
      { eventId: 'c1', userId: 'u1', type: 'CLICK', occurredAt: at(0), rating: 3 },
      review('u1', { rating: 1 }),
      review('u1', { text: 'x'.repeat(5001), rating: 9 }),
    ]);
    assert.deepEqual(
      r.rejected.map((x) => [x.index, x.code]),
      [[1, 'INVALID_RATING'], [2, 'INVALID_RATING'], [3, 'INVALID_RATING'], [4, 'INVALID_RATING'], [6, 'TEXT_TOO_LONG']],
    );
    assert.match(r.rejected[1]!.message, /rating must be a number from 1 to 5/);
    assert.equal(r.accepted, 2);
    const first = await stored('r1');
    assert.equal(first.rating, 5);
    assert.equal(first.language, 'EN');
    assert.ok(first.sentiment! > 0.5, `sentiment ${first.sentiment}`);
    assert.equal(first.embedding.length, 128);
    const onlyRating = await stored('r5');
    assert.equal(onlyRating.rating, 1);
    assert.equal(onlyRating.sentiment, -1, 'a rating alone gives (rating - 3) / 2');
    assert.equal(onlyRating.language, null);
    assert.equal(await server.database.db.event.count(), 2, 'rejected items change nothing');
  });

  it('keeps text with NUL or a lone surrogate out, and scores control characters, emoji and non-Latin text without failing', async () => {
    const r = await ingest([
      review('u2', { text: 'bad\u0000text', rating: 2 }),
      review('u2', { text: 'half \ud83d' }),
      review('u2', { text: '\u0085\u200b 👍👍 ' }),
      review('u2', { text: 'とても良い商品です' }),
      review('u2', { text: '   ' }),
    ]);
    assert.deepEqual(r.rejected.map((x) => [x.index, x.code]), [[0, 'INVALID_TEXT'], [1, 'INVALID_TEXT']]);
    assert.equal(r.accepted, 3);
    const t = await text('u2');
    assert.equal(t.behaviourReviews, 3);
    assert.equal(t.reviews, 2, 'a blank review with no rating has nothing to score');
    assert.equal((await stored(`r${n - 1}`)).language, 'OTHER');
    assert.equal((await stored(`r${n}`)).sentiment, null);
  });
});

describe('review analysis at ingest', () => {
  it('gives a Chinese and an English review about the same experience the same sign and the same topic', async () => {
    await ingestEventsOk(server, [
      review('zh-bad', { text: '物流太慢了，等了两个星期才到，包装也破损了' }),
      review('en-bad', { text: 'Delivery was so slow, took two weeks to arrive and the package was damaged' }),
      review('zh-good', { text: '质量非常好，做工很精细，物超所值' }),
      review('en-good', { text: 'The quality is excellent, the material feels great' }),
      review('zh-neg', { text: '质量不太好，用了两天就坏了' }),
      review('en-neg', { text: 'The quality is not good, it broke after two days' }),
    ]);
    const sign = async (u: string) => Math.sign((await text(u)).sentiment!);
    for (const [zh, en, expected] of [['zh-bad', 'en-bad', -1], ['zh-good', 'en-good', 1], ['zh-neg', 'en-neg', -1]] as const) {
      assert.equal(await sign(zh), expected, zh);
      assert.equal(await sign(en), expected, en);
    }
    const zh = await text('zh-bad');
    const en = await text('en-bad');
    assert.equal(zh.topics[0]!.topic.id, 'delivery');
    assert.equal(en.topics[0]!.topic.id, 'delivery');
    assert.equal((await text('zh-good', 'ZH')).topics[0]!.topic.label, '质量');
    assert.equal((await text('en-good')).topics[0]!.topic.label, 'Quality');
    assert.ok(zh.topics[0]!.topic.terms.includes('物流') && zh.topics[0]!.topic.terms.includes('delivery'));
    assert.equal((await stored('r1')).language, 'ZH');
    assert.equal((await stored('r2')).language, 'EN');
  });

  it('scores a 5,000-character review on its first 1,000 characters and stores the whole text', async () => {
    const long = '物流太慢了，等了两个星期。' + '-'.repeat(1200) + '质量非常好，'.repeat(700);
    const text5000 = long.slice(0, 5000);
    await ingestEventsOk(server, [review('long', { text: text5000 })]);
    const e = await stored('r1');
    assert.equal(e.text, text5000);
    assert.ok(e.sentiment! < 0, `only the slow delivery is within the analysed part: ${e.sentiment}`);
    assert.deepEqual(Object.keys(e.topics as object), ['delivery']);
  });

  it('blends the rating into the text sentiment: the mean of the two', async () => {
    await ingestEventsOk(server, [review('u3', { text: 'great quality' }), review('u3b', { text: 'great quality', rating: 1 })]);
    const textOnly = (await stored(`r${n - 1}`)).sentiment!;
    const blended = (await stored(`r${n}`)).sentiment!;
    assert.ok(Math.abs(blended - (textOnly + -1) / 2) < 1e-6, `${blended} vs (${textOnly} - 1) / 2`);
  });
});

describe('the user text profile', () => {
  it('is exact after several batches, out of order, and with concurrent ingests of the same user', async () => {
    const texts = [
      ['物流很快，包装完好', 5], ['Shipping was slow and the box was crushed', 2], ['客服态度很差', null], ['Love it, great price', 4],
      ['尺码偏小，不合身', 2], ['terrible smell', 1], ['质量很好', null], ['Not bad at all', 3], [null, 2], ['还行吧', 4],
      ['The seller replied fast, very helpful', 5], ['假货，不是正品', 1],
    ] as const;
    const events = texts.map(([t, rating], i) => ({
      eventId: `m${i}`, userId: 'many', type: 'REVIEW' as const, occurredAt: at(100 - i),
      ...(t !== null ? { text: t } : {}), ...(rating !== null ? { rating } : {}),
    }));
    // three sequential batches, then three concurrent ones (two of them replays of earlier events: duplicates)
    await ingestEventsOk(server, events.slice(0, 3));
    await ingestEventsOk(server, events.slice(3, 5));
    await ingestEventsOk(server, events.slice(5, 6));
    const results = await Promise.all([ingest(events.slice(6, 9)), ingest(events.slice(9)), ingest(events.slice(0, 4)), ingest(events.slice(6, 8))]);
    assert.deepEqual(results.map((r) => r.rejected), [[], [], [], []]);
    assert.equal(results.reduce((s, r) => s + r.accepted, 0), 6);

    // the same sums, computed from the stored per-review analysis
    const rows = await server.database.db.event.findMany({ where: { userId: 'many' } });
    assert.equal(rows.length, 12);
    const sentiments = rows.map((r) => r.sentiment!);
    const mean = sentiments.reduce((a, b) => a + b, 0) / 12;
    const topicSums = new Map<string, number>();
    for (const r of rows) for (const [k, v] of Object.entries(r.topics as Record<string, number>)) topicSums.set(k, (topicSums.get(k) ?? 0) + v);
    const t = await text('many');
    assert.equal(t.reviews, 12);
    assert.ok(Math.abs(t.sentiment! - mean) < 1e-9, `${t.sentiment} vs ${mean}`);
    assert.deepEqual(
      t.topics.map((s) => [s.topic.id, Math.round(s.share * 1e9)]),
      [...topicSums]
        .map(([k, v]): [string, number] => [k, Math.round((v / 12) * 1e9)])
        .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1)),
    );
    const profile = await server.database.db.profile.findUniqueOrThrow({ where: { userId: 'many' } });
    assert.equal(profile.negativeReviews, sentiments.filter((s) => s < 0).length);
    assert.ok(profile.negativeReviews > 0 && profile.negativeReviews < 12);
    assert.equal(profile.lastReviewAt!.toISOString(), new Date(at(100)).toISOString());
    for (let d = 0; d < 128; d++) {
      // a review with a rating and no text has no embedding
      const sum = rows.reduce((s, r) => s + (r.embedding[d] ?? 0), 0);
      assert.ok(Math.abs(profile.embeddingSum[d]! - sum) < 1e-5, `embedding dim ${d}: ${profile.embeddingSum[d]} vs ${sum}`);
    }
    assert.equal(profile.embeddedReviews, rows.filter((r) => r.embedding.length > 0).length);
    assert.equal(profile.embeddingSpace, 'hashed-tfidf#128');
    // a batch without reviews leaves the text sums as they are
    await ingestEventsOk(server, [{ eventId: 'pv', userId: 'many', type: 'PAGE_VIEW', occurredAt: at(200) }]);
    assert.deepEqual({ ...(await text('many')), behaviourReviews: 12 }, t);
    const after = await server.database.db.profile.findUniqueOrThrow({ where: { userId: 'many' } });
    assert.deepEqual(after.embeddingSum, profile.embeddingSum);
  });

  it('is empty for a user who never wrote a review', async () => {
    await ingestEventsOk(server, [{ eventId: 'p1', userId: 'quiet', type: 'PAGE_VIEW', occurredAt: at(1) }]);
    assert.deepEqual(await text('quiet'), { reviews: 0, sentiment: null, topics: [], behaviourReviews: 0 });
  });
});

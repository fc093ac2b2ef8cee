import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TopicModel, userTopicShares } from '../../../src/text/topics.ts';
import { tokenize } from '../../../src/text/tokens.ts';
import { generateReviews } from '../../fixtures/text/generate-reviews.ts';
import { labelled } from './fixtures.ts';

// A corpus: generated reviews, the hand-written ones, and a theme outside the aspects (gifts for a birthday) in both
// languages, written without any aspect word.
const gifts = [
  ...Array.from({ length: 40 }, (_, i) => `birthday gift for my wife, a surprise at her party number ${i}`),
  ...Array.from({ length: 40 }, (_, i) => `送给老婆的生日礼物，派对上的惊喜 第${i}个`),
];
const texts = [...generateReviews(3000, 5).map((r) => r.text), ...labelled.reviews.map((r) => r.text), ...gifts];
const corpus = texts.map(tokenize);

describe('TopicModel', () => {
  const model = TopicModel.fit(corpus, { seed: 9 });

  it('puts a Chinese and an English review about slow delivery in the same topic', () => {
    const zh = model.shares(tokenize('物流太慢了，等了一个星期'));
    const en = model.shares(tokenize('Delivery was slow, waited a whole week'));
    assert.equal(zh[0]?.topicId, 'delivery');
    assert.equal(en[0]?.topicId, 'delivery');
    const zhQ = model.shares(tokenize('做工粗糙，质量很差'));
    const enQ = model.shares(tokenize('Poor quality and sloppy workmanship'));
    assert.equal(zhQ[0]?.topicId, 'quality');
    assert.equal(enQ[0]?.topicId, 'quality');
  });

  it('keeps every aspect topic bilingual and labelled in both languages', () => {
    for (const t of model.topics.filter((x) => x.source === 'aspect')) {
      assert.deepEqual(t.languages, ['ZH', 'EN'], t.id);
      assert.ok(t.label.en && t.label.zh);
    }
    assert.equal(model.topic('delivery')?.label.zh, '物流');
  });

  it('adds corpus words to the aspect they go with, and not words that go with everything', () => {
    const price = model.topic('price')!.terms.map((t) => t.term);
    assert.ok(price.includes('penny'), `"worth every penny" makes penny a price word: ${price.join(' ')}`);
    const all = new Set(model.topics.flatMap((t) => t.terms.map((x) => x.term)));
    for (const w of ['good', '好', 'great', '很']) assert.ok(!all.has(w), w);
  });

  it('learns new topics for frequent themes outside the aspects, labelled by their top terms', () => {
    const corpusTopics = model.topics.filter((t) => t.source === 'corpus');
    const birthday = corpusTopics.find((t) => t.terms.some((x) => x.term === 'birthday'));
    const shengri = corpusTopics.find((t) => t.terms.some((x) => x.term === '生日礼物'));
    assert.ok(birthday && shengri, corpusTopics.map((t) => t.label.en).join(', '));
    assert.ok(birthday.terms.some((x) => x.term === 'gift'));
    assert.deepEqual(birthday.languages, ['EN'], 'a one-language corpus topic says so');
    assert.equal(model.shares(tokenize('a birthday gift'))[0]?.topicId, birthday.id);
  });

  it('gives shares that sum to 1, largest first, and none for a review that names no topic', () => {
    const s = model.shares(tokenize('物流很快，但是质量很差，质量真的差，包装也破了'));
    assert.ok(s.length >= 3);
    assert.ok(Math.abs(s.reduce((a, x) => a + x.share, 0) - 1) < 1e-12);
    for (let i = 1; i < s.length; i++) assert.ok(s[i - 1]!.share >= s[i]!.share);
    assert.deepEqual(model.shares(tokenize('今天下午')), []);
    assert.deepEqual(model.shares([]), []);
  });

  it('is deterministic for a seed and survives a JSON round trip', () => {
    const again = TopicModel.fit(corpus, { seed: 9 });
    assert.deepEqual(again.toJSON(), model.toJSON());
    const restored = TopicModel.fromJSON(JSON.parse(JSON.stringify(model)));
    assert.deepEqual(restored.toJSON(), model.toJSON());
    const doc = tokenize('Shipping took ten days and the box was damaged');
    assert.deepEqual(restored.shares(doc), model.shares(doc));
    assert.equal(model.toJSON().version, 1);
  });

  it('samples large corpora: fitted on at most sampleSize documents', () => {
    const small = TopicModel.fit(corpus, { seed: 2, sampleSize: 500 });
    assert.equal(small.fittedOn.documents, 500);
    assert.equal(small.shares(tokenize('物流太慢了'))[0]?.topicId, 'delivery');
  });

  it('fits on an empty corpus or empty reviews: the aspect topics alone', () => {
    for (const docs of [[], [[], []]]) {
      const m = TopicModel.fit(docs);
      assert.deepEqual(m.topics.map((t) => t.source), Array(11).fill('aspect'));
      assert.equal(m.shares(tokenize('物流太慢'))[0]?.topicId, 'delivery');
    }
  });

  it('rejects a malformed serialised model', () => {
    assert.throws(() => TopicModel.fromJSON({ kind: 'portrait.text.topics', version: 2, fittedOn: { documents: 0, seed: 1 }, topics: [] }));
    const json = model.toJSON();
    assert.throws(() => TopicModel.fromJSON({ ...json, topics: [json.topics[0], json.topics[0]] }), /repeat/);
  });

  it('averages a user\'s review shares from running sums', () => {
    const sums = new Map([['delivery', 1.5], ['price', 0.5], ['quality', 0]]);
    assert.deepEqual(userTopicShares(sums, 2), [
      { topicId: 'delivery', share: 0.75 },
      { topicId: 'price', share: 0.25 },
    ]);
    assert.deepEqual(userTopicShares(sums, 0), []);
  });
});

// What reviews add to the catalogue's names, descriptions and strategies (voice.ts, description.ts, naming.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { voiceOf, type TextSignals } from '../../../src/rules/voice.ts';
import { describeSegment } from '../../../src/rules/description.ts';
import { nameSegments } from '../../../src/rules/naming.ts';
import { strategyFor } from '../../../src/rules/strategy.ts';
import type { SegmentLabels } from '../../../src/rules/labels.ts';

const DELIVERY = { EN: 'Delivery', ZH: '物流' };
const QUALITY = { EN: 'Quality', ZH: '质量' };
const labels: SegmentLabels = { value: 'HIGH', frequency: 'HIGH', recency: 'HIGH', engagement: 'HIGH', ageGroup: 'YOUNG', genderMix: 'FEMALE_DOMINANT', cityTierMix: 'UPPER_TIER' };
const unhappy: TextSignals = { reviews: 40, sentiment: -0.4, topics: [{ label: DELIVERY, share: 0.6 }, { label: QUALITY, share: 0.3 }] };
const pleased: TextSignals = { reviews: 40, sentiment: 0.6, topics: [{ label: QUALITY, share: 0.7 }] };

describe('the voice of a segment', () => {
  test('a clearly negative or positive segment is named for its main topic', () => {
    assert.deepEqual(voiceOf(unhappy), { polarity: 'NEGATIVE', topic: { EN: 'delivery', ZH: '物流' } });
    assert.deepEqual(voiceOf(pleased), { polarity: 'POSITIVE', topic: { EN: 'quality', ZH: '质量' } });
  });

  test('no voice without enough reviews, with mixed sentiment, or without a main topic', () => {
    assert.equal(voiceOf(null), null);
    assert.equal(voiceOf({ ...unhappy, reviews: 2 }), null);
    assert.equal(voiceOf({ ...unhappy, sentiment: 0.05 }), null);
    assert.equal(voiceOf({ ...unhappy, sentiment: null }), null);
    assert.equal(voiceOf({ ...unhappy, topics: [{ label: DELIVERY, share: 0.1 }] }), null);
  });

  test('an unhappy segment is named for the topic it complains about, not the one it mentions most', () => {
    const text: TextSignals = { reviews: 30, sentiment: -0.3, topics: [{ label: QUALITY, share: 0.5, sentiment: 0.4 }, { label: DELIVERY, share: 0.3, sentiment: -0.8 }] };
    assert.equal(voiceOf(text)?.topic.EN, 'delivery');
  });

  test('names carry the voice in both locales and stay unique', () => {
    const names = nameSegments([labels, labels], [voiceOf(unhappy), voiceOf(pleased)]);
    assert.equal(names[0]!.EN, 'High-value active loyalists, unhappy with delivery');
    assert.equal(names[0]!.ZH, '高价值活跃忠诚用户·对物流不满');
    assert.equal(names[1]!.EN, 'High-value active loyalists, loves the quality');
    assert.equal(names[1]!.ZH, '高价值活跃忠诚用户·认可质量');
    assert.deepEqual(nameSegments([labels, labels], [null, null]).map((n) => n.EN), ['High-value active loyalists', 'High-value active loyalists (2)']);
  });

  test('strategies put fixing complaints first and amplify praise', () => {
    const negative = strategyFor(labels, 'EN', { voice: voiceOf(unhappy) });
    assert.match(negative.actions[0]!, /unhappy reviewers/);
    assert.ok(negative.insights.some((i) => i.includes('unhappy with delivery')));
    const zh = strategyFor(labels, 'ZH', { voice: voiceOf(unhappy) });
    assert.ok(zh.insights.some((i) => i.includes('对物流不满')));
    const positive = strategyFor(labels, 'EN', { voice: voiceOf(pleased) });
    assert.ok(positive.insights.some((i) => i.includes('praise the quality')));
    assert.ok(positive.actions.some((a) => a.startsWith('Feature their praise')));
    assert.ok(!strategyFor(labels, 'EN').actions.some((a) => /reviewers|praise/.test(a)));
  });
});

describe('segment descriptions', () => {
  const facts = { size: 1200, share: 0.24, labels, relative: { totalSpent: 2.41, engagementScore: 1.5 } };

  test('a few sentences from the statistics, in both locales', () => {
    assert.equal(
      describeSegment(facts, 'EN'),
      '1200 users, 24.0% of the population. They spend 2.4× and engage 1.5× as much as the average user. They order often and came back recently. Audience: young, mostly female, higher-tier cities.',
    );
    assert.equal(describeSegment(facts, 'ZH'), '共 1200 位用户，占全体的 24.0%。消费金额为平均用户的 2.4 倍，互动度为 1.5 倍。下单频繁，近期仍有购买。人群特征：年轻、女性为主、高线城市。');
  });

  test('what the reviews say, when there are reviews', () => {
    const en = describeSegment({ ...facts, text: unhappy, voice: voiceOf(unhappy) }, 'EN');
    assert.match(en, /They wrote 40 reviews with a mean sentiment of -0\.40 \(from -1 to 1\)\. They write most about delivery \(60% of what they say\)\. Their reviews say they are unhappy with delivery\.$/);
    assert.match(describeSegment({ ...facts, text: unhappy, voice: voiceOf(unhappy) }, 'ZH'), /评价显示他们对物流不满。$/);
  });

  test('sentences whose facts are unknown are left out', () => {
    const d = describeSegment({ ...facts, relative: { totalSpent: null }, labels: { ...labels, ageGroup: null, genderMix: 'UNKNOWN', cityTierMix: 'UNKNOWN' } }, 'EN');
    assert.equal(d, '1200 users, 24.0% of the population. They order often and came back recently.');
  });
});

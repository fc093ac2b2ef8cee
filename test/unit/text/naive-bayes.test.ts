import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldOutAccuracy, NaiveBayes, ratingLabel, reviewFeatures } from '../../../src/text/naive-bayes.ts';
import { sentiment } from '../../../src/text/sentiment.ts';
import { generateReviews } from '../../fixtures/text/generate-reviews.ts';
import { labelled } from './fixtures.ts';

describe('naive Bayes sentiment model', () => {
  const reviews = generateReviews(4000, 11, { ratingNoise: 0.1 });
  const rated = reviews.flatMap((r) => {
    const label = ratingLabel(r.rating);
    return label ? [{ text: r.text, label }] : [];
  });

  it('learns from noisy ratings: held-out accuracy against the ratings well above the majority class', () => {
    const { accuracy, train, test } = heldOutAccuracy(
      rated.map((r) => r.text),
      rated.map((r) => r.label),
      { seed: 3, dim: 1 << 16 },
    );
    const majority = Math.max(...['POSITIVE', 'NEGATIVE'].map((l) => rated.filter((r) => r.label === l).length)) / rated.length;
    console.log(`naive Bayes held-out accuracy ${(accuracy * 100).toFixed(1)}% (train ${train}, test ${test}; majority ${(majority * 100).toFixed(1)}%; 10% of ratings flipped)`);
    // with 10% of the ratings contradicting the text, about 0.9 is the ceiling
    assert.ok(accuracy >= 0.8, `accuracy ${accuracy}`);
    assert.ok(accuracy > majority + 0.15);
  });

  it('is deterministic for a seed', () => {
    const texts = rated.slice(0, 500).map((r) => r.text);
    const labels = rated.slice(0, 500).map((r) => r.label);
    const a = heldOutAccuracy(texts, labels, { seed: 5, dim: 1 << 12 });
    const b = heldOutAccuracy(texts, labels, { seed: 5, dim: 1 << 12 });
    assert.equal(a.accuracy, b.accuracy);
    assert.deepEqual(a.model.toJSON(), b.model.toJSON());
  });

  it('marks words after a negator, so "not good" is not "good"', () => {
    const plain = reviewFeatures('the quality is good', 1 << 16);
    const negated = reviewFeatures('the quality is not good', 1 << 16);
    assert.ok(negated.length > plain.length);
    const model = NaiveBayes.fit(
      ['good', 'good quality', 'very good', 'not good', 'not good at all', 'quality not good'],
      ['POSITIVE', 'POSITIVE', 'POSITIVE', 'NEGATIVE', 'NEGATIVE', 'NEGATIVE'],
      { dim: 1 << 12 },
    );
    assert.equal(model.predict('good'), 'POSITIVE');
    assert.equal(model.predict('not good'), 'NEGATIVE');
  });

  it('survives a JSON round trip with the same probabilities', () => {
    const model = NaiveBayes.fit(
      rated.slice(0, 300).map((r) => r.text),
      rated.slice(0, 300).map((r) => r.label),
      { dim: 1 << 14 },
    );
    const restored = NaiveBayes.fromJSON(JSON.parse(JSON.stringify(model)));
    for (const r of labelled.reviews.slice(0, 20)) assert.deepEqual(restored.predictProba(r.text), model.predictProba(r.text));
  });

  it('rejects bad input with a clear error', () => {
    assert.throws(() => NaiveBayes.fit(['a', 'b'], ['POSITIVE', 'POSITIVE']), /two distinct labels/);
    assert.throws(() => NaiveBayes.fit(['a'], ['POSITIVE', 'NEGATIVE']), /labels/);
    assert.throws(() => NaiveBayes.fromJSON({ kind: 'portrait.text.naive-bayes', version: 1, dim: 4, alpha: 1, classes: [] }));
    assert.throws(() =>
      NaiveBayes.fromJSON({
        kind: 'portrait.text.naive-bayes', version: 1, dim: 4, alpha: 1,
        classes: [
          { label: 'A', documents: 1, indices: [9], counts: [1] },
          { label: 'B', documents: 1, indices: [], counts: [] },
        ],
      }),
      /outside dim/,
    );
    assert.throws(() => heldOutAccuracy(['a', 'b'], ['A', 'B'], { testFraction: 1 }), /testFraction/);
  });

  it('maps ratings to training labels: 1-2 negative, 4-5 positive, 3 left out', () => {
    assert.deepEqual([1, 2, 3, 4, 5, null, Number.NaN].map(ratingLabel), ['NEGATIVE', 'NEGATIVE', null, 'POSITIVE', 'POSITIVE', null, null]);
  });

  it('plugs into sentiment(): the model score is averaged with the lexicon score', () => {
    const model = NaiveBayes.fit(rated.map((r) => r.text), rated.map((r) => r.label), { dim: 1 << 16 });
    const text = '物流很快，质量很好';
    const lex = sentiment(text).lexiconScore;
    const p = model.positiveProbability(text);
    assert.ok(p > 0.5);
    assert.ok(Math.abs(sentiment(text, { model }).score - (lex + (2 * p - 1)) / 2) < 1e-12);
  });
});

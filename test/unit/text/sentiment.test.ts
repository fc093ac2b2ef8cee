import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sentiment, ratingScore, squash } from '../../../src/text/sentiment.ts';
import { holdout, holdout2, holdout3, holdout4, labelled, labelOf } from './fixtures.ts';

describe('sentiment on the labelled review set', () => {
  it('has at least 200 sentences in both languages, with negation and contrast', () => {
    assert.ok(labelled.reviews.length >= 200);
    for (const lang of ['ZH', 'EN'] as const) assert.ok(labelled.reviews.filter((r) => r.language === lang).length >= 90);
    assert.ok(labelled.reviews.some((r) => /但是|不过|可是/.test(r.text)));
    assert.ok(labelled.reviews.some((r) => /\bbut\b/i.test(r.text)));
    assert.ok(labelled.reviews.some((r) => /不|没/.test(r.text)));
    assert.ok(labelled.reviews.some((r) => /\bnot\b|n't\b/i.test(r.text)));
  });

  it('labels at least 90% of the sentences right (positive, negative, neutral within ±0.1)', () => {
    const wrong: string[] = [];
    for (const r of labelled.reviews) {
      const s = sentiment(r.text).score;
      if (labelOf(s) !== r.label) wrong.push(`${r.label} ${s.toFixed(2)} ${r.text}`);
    }
    const accuracy = 1 - wrong.length / labelled.reviews.length;
    for (const lang of ['ZH', 'EN', 'MIXED'] as const) {
      const rs = labelled.reviews.filter((r) => r.language === lang);
      const ok = rs.filter((r) => labelOf(sentiment(r.text).score) === r.label).length;
      console.log(`sentiment accuracy ${lang}: ${ok}/${rs.length}`);
    }
    console.log(`sentiment accuracy: ${(accuracy * 100).toFixed(1)}% of ${labelled.reviews.length}`);
    assert.ok(accuracy >= 0.9, `accuracy ${accuracy}; wrong:\n${wrong.join('\n')}`);
  });

  it('labels at least 75% of the held-out set right (sentences never used to tune the lexicons)', () => {
    // A floor, set before the set was first scored (it scored 52/64 then): the lexicons' coverage of unseen wording is
    // the weak point, and this figure is the honest estimate of it. Do not add its sentences' words to the lexicons.
    const ok = holdout.reviews.filter((r) => labelOf(sentiment(r.text).score) === r.label).length;
    console.log(`held-out sentiment accuracy: ${ok}/${holdout.reviews.length}`);
    assert.ok(ok / holdout.reviews.length >= 0.75);
  });

  it('labels at least 90% of the second held-out set right (130 sentences written before the second lexicon pass)', () => {
    // Written and committed before the lexicons' second pass (general e-commerce wording): 107/130 = 0.82 then, English
    // the weaker half. Its list of misses was seen before that pass, so the figure after it is optimistic: the third
    // set below, written after the pass, is the unbiased one.
    const rs = holdout2.reviews;
    assert.ok(rs.length >= 100 && rs.filter((r) => r.language === 'ZH').length >= 50 && rs.filter((r) => r.language === 'EN').length >= 50);
    assert.ok(rs.some((r) => /但是|不过/.test(r.text)) && rs.some((r) => /\bbut\b/i.test(r.text)));
    const ok = rs.filter((r) => labelOf(sentiment(r.text).score) === r.label).length;
    for (const lang of ['ZH', 'EN'] as const) {
      const part = rs.filter((r) => r.language === lang);
      console.log(`held-out-2 sentiment accuracy ${lang}: ${part.filter((r) => labelOf(sentiment(r.text).score) === r.label).length}/${part.length}`);
    }
    console.log(`held-out-2 sentiment accuracy: ${ok}/${rs.length} = ${(ok / rs.length).toFixed(3)}`);
    assert.ok(ok / rs.length >= 0.9);
  });

  it('labels at least 80% of the third held-out set right (never tuned on)', () => {
    // Written after the second lexicon pass and scored once (53/60 = 0.88); the lexicons were not changed afterwards.
    // A regression floor below that first score, not a target: do not add its sentences' words to the lexicons.
    const ok = holdout3.reviews.filter((r) => labelOf(sentiment(r.text).score) === r.label).length;
    console.log(`held-out-3 sentiment accuracy: ${ok}/${holdout3.reviews.length} = ${(ok / holdout3.reviews.length).toFixed(3)}`);
    assert.ok(ok / holdout3.reviews.length >= 0.8);
  });

  it('labels at least 90% of the fourth held-out set right (215 sentences written before the third lexicon pass)', () => {
    // Written and committed before it was first scored: 182/215 = 0.847 then (held-out-3 53/60). The third pass added
    // general wording after seeing its misses (performance words with their context, hassle-free after-sales, faint
    // praise, pain, food), so the figure after it is optimistic; held-out-3 rising to 55/60 with no word of it added is
    // the sign the pass generalises.
    const rs = holdout4.reviews;
    assert.ok(rs.length >= 200 && rs.filter((r) => r.language === 'ZH').length >= 90 && rs.filter((r) => r.language === 'EN').length >= 90);
    assert.ok(rs.some((r) => /但是|不过|却|就是/.test(r.text)) && rs.some((r) => /\bbut\b/i.test(r.text)));
    assert.ok(rs.some((r) => /不|没/.test(r.text)) && rs.some((r) => /\bnot\b|n't\b|\bnever\b/i.test(r.text)));
    const wrong = rs.filter((r) => labelOf(sentiment(r.text).score) !== r.label);
    for (const lang of ['ZH', 'EN', 'MIXED'] as const) {
      const part = rs.filter((r) => r.language === lang);
      console.log(`held-out-4 sentiment accuracy ${lang}: ${part.filter((r) => labelOf(sentiment(r.text).score) === r.label).length}/${part.length}`);
    }
    const accuracy = 1 - wrong.length / rs.length;
    console.log(`held-out-4 sentiment accuracy: ${rs.length - wrong.length}/${rs.length} = ${accuracy.toFixed(3)}`);
    assert.ok(accuracy >= 0.9, `accuracy ${accuracy}; wrong:\n${wrong.map((r) => `${r.label} ${r.text}`).join('\n')}`);
  });

  it('gives a Chinese and an English review of the same experience the same sign', () => {
    const disagree = labelled.pairs
      .map((p) => ({ p, zh: sentiment(p.zh).score, en: sentiment(p.en).score }))
      .filter(({ zh, en }) => labelOf(zh) !== labelOf(en));
    console.log(`sign agreement on EN/ZH pairs: ${labelled.pairs.length - disagree.length}/${labelled.pairs.length}`);
    assert.deepEqual(
      disagree.map(({ p, zh, en }) => `${zh.toFixed(2)} ${p.zh} | ${en.toFixed(2)} ${p.en}`),
      [],
    );
  });
});

describe('sentiment rules', () => {
  const s = (text: string): number => sentiment(text).score;

  it('negation flips an opinion, in both languages', () => {
    assert.ok(s('质量好') > 0.3 && s('质量不好') < -0.3);
    assert.ok(s('很满意') > 0.3 && s('不满意') < -0.3);
    assert.ok(s('the quality is good') > 0.3 && s('the quality is not good') < -0.3);
    assert.ok(s("it doesn't work") < 0);
    assert.ok(s('没有异味') > 0 && s('有异味') < 0);
    assert.ok(s('no problems') > 0 && s('problems') < 0);
    assert.ok(s('never arrived') < -0.3, 'a phrase wins over negation of a neutral word');
  });

  it('a negated degree ("不太", "not very") is a weaker negation than a plain one', () => {
    assert.ok(s('不太满意') < 0 && s('不太满意') > s('不满意'));
    assert.ok(s('not very good') < 0 && s('not very good') > s('not good'));
    assert.ok(s('not too bad') > 0);
  });

  it('degree words scale an opinion up or down', () => {
    assert.ok(s('非常好') > s('很好') && s('很好') > s('好'));
    assert.ok(s('有点慢') > s('慢') && s('有点慢') < 0);
    assert.ok(s('extremely slow') < s('slow') && s('a bit slow') > s('slow'));
    assert.ok(s('太不好用了') < s('不好用'), 'a degree before a negator intensifies the negated opinion');
    assert.ok(s('好慢啊') < 0, '好 before an opinion is a degree word, not praise');
  });

  it('after a contrast word the clause counts more', () => {
    assert.ok(s('物流很慢，但是质量很好') > 0);
    assert.ok(s('质量很好，但是物流很慢') < 0);
    assert.ok(s('delivery was slow but the quality is great') > 0);
    assert.ok(s('the quality is great but delivery was slow') < 0);
    assert.ok(s('虽然有点贵，但是质量真的好') > 0);
  });

  it('reads verdict emoji, out of reach of a negator', () => {
    assert.ok(s('👍') > 0.3 && s('😡') < -0.3);
    assert.ok(s('收到了👍👍') > s('收到了👍'));
    assert.ok(s('not bad 👍') > 0);
    assert.equal(s('🚀🎈'), 0);
  });

  it('context decides words whose polarity depends on what they describe', () => {
    assert.ok(s('性价比很高') > 0 && s('价格很高') < 0);
    assert.ok(s('尺码偏小') < 0 && s('too small') < 0);
    assert.equal(s('a small box'), 0);
  });

  it('stays in [-1, 1] however many opinions pile up', () => {
    const text = '非常非常非常好！'.repeat(200) + 'terrible '.repeat(5);
    const v = s(text);
    assert.ok(v <= 1 && v >= -1);
    assert.ok(squash(1e9) <= 1 && squash(-1e9) >= -1);
  });

  it('combines a rating as documented: mean of text and (r-3)/2, rating alone when the text holds no opinion', () => {
    assert.equal(ratingScore(5), 1);
    assert.equal(ratingScore(1), -1);
    assert.equal(ratingScore(3), 0);
    assert.equal(ratingScore(9), 1);
    assert.equal(ratingScore(Number.NaN), null);
    const text = sentiment('物流很快');
    assert.equal(sentiment('物流很快', { rating: 1 }).score, (text.lexiconScore + -1) / 2);
    assert.equal(sentiment('今天收到了', { rating: 4 }).score, 0.5);
    assert.equal(sentiment('今天收到了').score, 0);
  });

  it('attributes opinions to aspects', () => {
    const r = sentiment('Delivery was slow but the quality is great');
    assert.ok(r.aspects.get('delivery')! < 0);
    assert.ok(r.aspects.get('quality')! > 0);
    const z = sentiment('物流太慢了，但是质量很好');
    assert.ok(z.aspects.get('delivery')! < 0 && z.aspects.get('quality')! > 0);
  });
});

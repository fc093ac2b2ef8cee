import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutClauses, MAX_TEXT_CHARS, normaliseText, tokenize } from '../../../src/text/tokens.ts';
import { detectLanguage } from '../../../src/text/language.ts';
import { sentiment } from '../../../src/text/sentiment.ts';
import { holdout, labelled } from './fixtures.ts';

describe('tokenize', () => {
  it('cuts Chinese with jieba and lower-cases English words, dropping stop words and numerals', () => {
    assert.deepEqual(tokenize('物流太慢了，但是质量很好'), ['物流', '太慢', '质量', '好']);
    assert.deepEqual(tokenize("The Delivery was SLOW, but I didn't mind 2 days"), ['delivery', 'slow', 'mind', 'days']);
    assert.deepEqual(tokenize('这个iPhone壳很好看'), ['iphone', '壳', '好看']);
  });

  it('normalises full-width letters, digits and punctuation (NFKC) and curly apostrophes', () => {
    assert.equal(normaliseText('ＡＢＣ１２３！'), 'abc123!');
    assert.deepEqual(cutClauses('ＧＯＯＤ，ｖｅｒｙ　ｇｏｏｄ'), [['good'], ['very', 'good']]);
    assert.deepEqual(cutClauses('didn’t work'), [["didn't", 'work']]);
  });

  it('splits clauses at punctuation, emoji, line breaks and spaces between Chinese runs', () => {
    assert.deepEqual(cutClauses('物流很快 质量很好'), [['物流', '很快'], ['质量', '很', '好']]);
    assert.deepEqual(cutClauses('good🚀bad\nok'), [['good'], ['bad'], ['ok']]);
    assert.deepEqual(cutClauses('很好👍👍不错'), [['很', '好'], ['👍'], ['👍'], ['不错']], 'verdict emoji are words');
    assert.deepEqual(cutClauses('well-made and long-lasting'), [['well-made', 'and', 'long-lasting']]);
    assert.deepEqual(cutClauses('delivery很快quality-wise不错'), [['delivery', '很快', 'quality-wise', '不错']]);
  });

  it('is robust to any input: empty, NUL, lone surrogates, emoji only, 5,000 characters, huge input', () => {
    const strange = [
      '',
      '\u0000',
      'a\u0000b\u0000好',
      '\ud800',
      '\udc00好\ud83d',
      '😀😀😀🎉',
      '\u202e\u200b\ufeff',
      '好'.repeat(5000),
      'good '.repeat(1000),
      '质量不错 quality ok 👍 '.repeat(300),
      'x'.repeat(MAX_TEXT_CHARS * 3),
      'a-'.repeat(8000) + '!',
      "a'".repeat(8000) + '好',
      '-'.repeat(10000),
      '\n'.repeat(10000),
      '不'.repeat(5000),
      '很'.repeat(3000) + '好',
    ];
    for (const text of strange) {
      const tokens = tokenize(text);
      assert.ok(Array.isArray(tokens));
      for (const t of tokens) {
        assert.ok(t.length > 0);
        assert.doesNotMatch(t, /[\u0000\s]/);
        assert.doesNotMatch(t, /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/, 'no lone surrogate survives');
      }
      const s = sentiment(text).score;
      assert.ok(Number.isFinite(s) && s >= -1 && s <= 1);
      assert.ok(['ZH', 'EN', 'MIXED', 'OTHER'].includes(detectLanguage(text)));
    }
    assert.deepEqual(tokenize(''), []);
    assert.deepEqual(tokenize('🚀🎈'), []);
    assert.deepEqual(tokenize('a\u0000b\u0000好'), ['好']);
    assert.ok(normaliseText('x'.repeat(MAX_TEXT_CHARS * 3)).length <= MAX_TEXT_CHARS);
  });
});

describe('detectLanguage', () => {
  it('tells Chinese, English, mixed and other apart', () => {
    assert.equal(detectLanguage('物流很快，质量很好'), 'ZH');
    assert.equal(detectLanguage('Fast delivery and great quality'), 'EN');
    assert.equal(detectLanguage('Delivery 很快, quality 不错, overall very good'), 'MIXED');
    assert.equal(detectLanguage('这个iPhone壳质量很好'), 'ZH', 'a brand name does not make a review mixed');
    assert.equal(detectLanguage('Great product 好评'), 'EN');
    assert.equal(detectLanguage('Très bon produit, livraison rapide et soignée'), 'OTHER');
    assert.equal(detectLanguage('とても良い商品でした'), 'OTHER');
    assert.equal(detectLanguage('배송이 빨라요'), 'OTHER');
    assert.equal(detectLanguage('Отличный товар'), 'OTHER');
    assert.equal(detectLanguage('😀👍 123'), 'OTHER');
    assert.equal(detectLanguage(''), 'OTHER');
    assert.equal(detectLanguage('ＧＯＯＤ'), 'EN');
  });

  it('detects every Chinese and English review of the fixtures; a Chinese review with one English word stays ZH', () => {
    const all = [...labelled.reviews, ...holdout.reviews];
    const wrong = all.filter((r) => r.language !== 'MIXED' && detectLanguage(r.text) !== r.language).map((r) => r.text);
    assert.deepEqual(wrong, []);
    // code-switched reviews: ZH when the English is one word ("客服很nice"), MIXED when it is more
    for (const r of all.filter((x) => x.language === 'MIXED')) assert.ok(['ZH', 'MIXED'].includes(detectLanguage(r.text)), r.text);
    assert.equal(detectLanguage('客服很nice，耐心解答问题'), 'ZH');
    assert.equal(detectLanguage('质量太差了，total waste of money'), 'MIXED');
  });
});

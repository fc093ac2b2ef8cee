import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cosine, HashedTfIdf } from '../../../src/text/embedding.ts';
import { hashedBucket, murmur3 } from '../../../src/text/hashing.ts';
import { tokenize } from '../../../src/text/tokens.ts';
import { labelled } from './fixtures.ts';

describe('murmur3', () => {
  it('matches the published MurmurHash3_x86_32 test vectors', () => {
    assert.equal(murmur3('', 0), 0);
    assert.equal(murmur3('', 1), 0x514e28b7);
    assert.equal(murmur3('', 0xffffffff), 0x81f16f39);
    assert.equal(murmur3('\0\0\0\0', 0), 0x2362f9de);
    assert.equal(murmur3('a', 0x9747b28c), 0x7fa09ea6);
    assert.equal(murmur3('ab', 0x9747b28c), 0x74875592);
    assert.equal(murmur3('abc', 0x9747b28c), 0xc84a62dd);
    assert.equal(murmur3('abcd', 0x9747b28c), 0xf0478627);
    assert.equal(murmur3('aaaa', 0x9747b28c), 0x5a97808a);
    assert.equal(murmur3('Hello, world!', 0x9747b28c), 0x24884cba);
    assert.equal(murmur3('ππππππππ', 0x9747b28c), 0xd58063c1, 'hashes UTF-8 bytes');
    assert.equal(murmur3('The quick brown fox jumps over the lazy dog', 0x9747b28c), 0x2fa826cd);
    assert.equal(murmur3('hello', 0), 613153351);
  });

  it('buckets like HashingVectorizer: |h| mod dim, sign of h', () => {
    // murmur3('hello') = 613153351 >= 0
    assert.deepEqual(hashedBucket('hello', 1000), { index: 613153351 % 1000, sign: 1 });
    const h = murmur3('ab', 0x9747b28c) | 0; // 0x74875592 > 0; find a negative one among the vectors
    assert.ok(h > 0);
    const neg = murmur3('abc', 0x9747b28c) | 0; // 0xc84a62dd reads negative
    assert.deepEqual(hashedBucket('abc', 97, 0x9747b28c), { index: Math.abs(neg) % 97, sign: -1 });
  });
});

describe('HashedTfIdf', () => {
  const corpus = labelled.reviews.map((r) => tokenize(r.text));
  const model = HashedTfIdf.fit(corpus, { dim: 256 });

  it('gives L2-normalised vectors of the fitted dimension, zero for a review with no words', () => {
    for (const doc of corpus.slice(0, 50)) {
      const v = model.transform(doc);
      assert.equal(v.length, 256);
      if (doc.length === 0) continue;
      const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-6, `norm ${norm}`);
    }
    assert.ok(model.transform([]).every((x) => x === 0));
  });

  it('is deterministic and survives a JSON round trip', () => {
    const again = HashedTfIdf.fit(corpus, { dim: 256 });
    const doc = tokenize('物流太慢了，但是质量很好');
    assert.deepEqual(again.transform(doc), model.transform(doc));
    const restored = HashedTfIdf.fromJSON(JSON.parse(JSON.stringify(model)));
    assert.deepEqual(restored.transform(doc), model.transform(doc));
    assert.equal(restored.documents, corpus.length);
  });

  it('weights by sublinear tf and idf: a repeated word counts 1 + ln tf, a rare word more than a common one', () => {
    const fitted = HashedTfIdf.fit([['slow'], ['slow'], ['slow', 'box'], ['great']], { dim: 1 << 16 });
    const v = fitted.transform(['slow', 'slow', 'box']);
    const slow = hashedBucket('slow', 1 << 16);
    const box = hashedBucket('box', 1 << 16);
    const idfSlow = Math.log(5 / 4) + 1;
    const idfBox = Math.log(5 / 2) + 1;
    const raw = [(1 + Math.log(2)) * idfSlow, idfBox];
    const norm = Math.hypot(...raw);
    assert.ok(Math.abs(v[slow.index]! - (slow.sign * raw[0]!) / norm) < 1e-6);
    assert.ok(Math.abs(v[box.index]! - (box.sign * raw[1]!) / norm) < 1e-6);
  });

  it('is lexical: similar wording is close, the same experience in another language is not', () => {
    const a = model.transform(tokenize('物流太慢了'));
    const b = model.transform(tokenize('物流真的太慢了'));
    const en = model.transform(tokenize('delivery was too slow'));
    assert.ok(cosine(a, b) > 0.8);
    assert.ok(Math.abs(cosine(a, en)) < 0.3);
  });

  it('fits on an empty corpus (every idf 1) and rejects a bad dimension', () => {
    const empty = HashedTfIdf.fit([], { dim: 8 });
    assert.ok(empty.idf.every((x) => x === 1));
    assert.ok(Math.abs(empty.transform(['a', 'b']).reduce((s, x) => s + x * x, 0) - 1) < 1e-6);
    assert.throws(() => HashedTfIdf.fit([], { dim: 0 }), RangeError);
    assert.throws(() => HashedTfIdf.fit([], { dim: 2.5 }), RangeError);
  });

  it('rejects a malformed serialised model', () => {
    assert.throws(() => HashedTfIdf.fromJSON({ kind: 'portrait.text.hashed-tfidf', version: 1, dim: 4, seed: 0, documents: 1, df: [0, 0] }), RangeError);
    assert.throws(() => HashedTfIdf.fromJSON({ kind: 'other' }));
    assert.throws(() => HashedTfIdf.fromJSON(null));
  });
});

// Feature hashing for text: MurmurHash3 (x86, 32-bit) over a word's UTF-8 bytes, the hash scikit-learn's
// HashingVectorizer uses, so a bucket computed here is the bucket computed there.

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

function utf8(text: string): Uint8Array {
  // A word's UTF-8 form is at most 3 bytes per UTF-16 unit.
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return scratch.subarray(0, written);
}

/** MurmurHash3_x86_32 of the UTF-8 bytes of `text`, as an unsigned 32-bit integer. */
export function murmur3(text: string, seed = 0): number {
  const bytes = utf8(text);
  const len = bytes.length;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = len & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // the 1-3 trailing bytes
  const tail = len & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The signed bucket of a word in `dim` buckets, as scikit-learn's HashingVectorizer(alternate_sign=True) computes it: the
 * hash read as a signed 32-bit integer h; bucket |h| mod dim; sign + for h >= 0, - otherwise. The sign makes collisions
 * cancel in expectation instead of adding up.
 */
export function hashedBucket(word: string, dim: number, seed = 0): { index: number; sign: 1 | -1 } {
  const h = murmur3(word, seed) | 0;
  return { index: Math.abs(h) % dim, sign: h >= 0 ? 1 : -1 };
}

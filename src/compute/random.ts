// Seeded pseudo-random numbers, so that the same data and seed always give the same model.

export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** integer in [0, n) */
  int(n: number): number;
}

/** mulberry32: small, fast, and good enough for sampling and initialisation (not for cryptography). */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

/** k distinct indices from [0, n), in random order (partial Fisher-Yates). */
export function sampleIndices(n: number, k: number, rng: Rng): Uint32Array {
  const m = Math.min(n, k);
  if (m === n) {
    const all = new Uint32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = all[i]!;
      all[i] = all[j]!;
      all[j] = t;
    }
    return all;
  }
  // Floyd's algorithm: O(k) memory for k << n.
  const chosen = new Set<number>();
  const out = new Uint32Array(m);
  let p = 0;
  for (let j = n - m; j < n; j++) {
    const t = rng.int(j + 1);
    const v = chosen.has(t) ? j : t;
    chosen.add(v);
    out[p++] = v;
  }
  return out;
}

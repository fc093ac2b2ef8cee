// Both locales: the type system already forces the same keys; this also checks the texts themselves.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { en } from '../../../src/rules/catalogue/en.ts';
import { zh } from '../../../src/rules/catalogue/zh.ts';
import { catalogue, LOCALES } from '../../../src/rules/naming.ts';

type Tree = { readonly [k: string]: string | Tree };

function leaves(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of leaves(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  const e = leaves(en);
  const z = leaves(zh);

  test('every EN key has a ZH text and no extra keys', () => {
    assert.deepEqual([...z.keys()].sort(), [...e.keys()].sort());
    assert.ok(e.size > 100);
  });

  test('texts are non-empty, translated, and keep the same placeholders', () => {
    for (const [k, text] of e) {
      const t = z.get(k) as string;
      assert.ok(text.trim().length > 0 && t.trim().length > 0, k);
      assert.notEqual(t, text, `${k} is not translated`);
      assert.deepEqual(placeholders(t), placeholders(text), k);
    }
  });

  test('catalogue(locale) serves both locales', () => {
    assert.deepEqual(LOCALES, ['EN', 'ZH']);
    assert.equal(catalogue('EN'), en);
    assert.equal(catalogue('ZH'), zh);
  });
});

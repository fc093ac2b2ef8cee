import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ASPECT_IDS, ASPECTS } from '../../../src/text/aspects.ts';
import { EMOJI_LEXICON } from '../../../src/text/lexicon/emoji.ts';
import { EN_LEXICON } from '../../../src/text/lexicon/en.ts';
import { ZH_LEXICON } from '../../../src/text/lexicon/zh.ts';
import { toUnits } from '../../../src/text/sentiment.ts';
import { cutClauses, normaliseText } from '../../../src/text/tokens.ts';

const keysOf = (l: typeof EN_LEXICON): string[] => [
  ...l.opinions.map((o) => o.term),
  ...Object.keys(l.negators),
  ...Object.keys(l.degrees),
  ...Object.keys(l.dualDegrees),
  ...l.contrasts,
  ...l.concessions,
];

describe('lexicons', () => {
  for (const [name, lex] of [['en', EN_LEXICON], ['zh', ZH_LEXICON], ['emoji', EMOJI_LEXICON]] as const) {
    it(`${name}: every key is in normal form and is found as one unit when it stands alone`, () => {
      const unreachable: string[] = [];
      for (const key of keysOf(lex)) {
        assert.equal(normaliseText(key), key, `"${key}" is not normalised`);
        const clauses = cutClauses(key);
        const units = clauses.length === 1 ? toUnits(clauses[0]!) : [];
        if (units.length !== 1 || units[0]!.key !== key) unreachable.push(`${key} -> ${units.map((u) => u.key).join('/')}`);
      }
      assert.deepEqual(unreachable, []);
    });

    it(`${name}: weights within ±2, aspects known, no term listed twice with the same context`, () => {
      const seen = new Set<string>();
      for (const o of lex.opinions) {
        assert.ok(o.weight !== 0 && Math.abs(o.weight) <= 2, o.term);
        if (o.aspect) assert.ok(ASPECT_IDS.includes(o.aspect));
        const id = `${o.term}|${o.when?.join(',') ?? ''}`;
        assert.ok(!seen.has(id), `${o.term} twice`);
        seen.add(id);
      }
      for (const f of Object.values(lex.negators)) assert.ok(f < 0 && f >= -1);
      for (const m of Object.values(lex.degrees)) assert.ok(m > 0 && m <= 2);
    });
  }

  it('aspects: every aspect has seeds in both languages, every seed in normal form and one word', () => {
    for (const a of ASPECTS) {
      assert.ok(a.seeds.en.length > 0 && a.seeds.zh.length > 0, a.id);
      for (const s of [...a.seeds.en, ...a.seeds.zh]) {
        assert.equal(normaliseText(s), s);
        assert.deepEqual(cutClauses(s), [[s]], `seed "${s}" is not one word for the tokenizer`);
      }
    }
  });
});

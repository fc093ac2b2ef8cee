import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkJson, InvalidDateTime, InvalidJson, parseDateTime, readByExpression } from '../../../src/modules/events/loose-fields.ts';

const iso = (v: unknown) => {
  const d = parseDateTime(v);
  return d instanceof InvalidDateTime ? d.problem : d.toISOString();
};

describe('parseDateTime', () => {
  it('reads zones, offsets with or without a colon, fractions and leap days as the instants they name', () => {
    assert.equal(iso('2026-01-31T08:30:00Z'), '2026-01-31T08:30:00.000Z');
    assert.equal(iso('2026-01-31T08:30Z'), '2026-01-31T08:30:00.000Z');
    assert.equal(iso('2026-01-31T08:30:00.123456+08:00'), '2026-01-31T00:30:00.123Z');
    assert.equal(iso('2026-01-31T08:30:00-0530'), '2026-01-31T14:00:00.000Z');
    assert.equal(iso('2024-02-29t23:59:59z'), '2024-02-29T23:59:59.000Z');
    // years 0-99 are those years (Date.UTC alone would read them as 1900-1999), year 0 a leap year as 2000 is
    assert.equal(iso('0099-12-31T23:59:59.999Z'), '0099-12-31T23:59:59.999Z');
    assert.equal(iso('0000-02-29T12:00:00+01:00'), '0000-02-29T11:00:00.000Z');
    assert.equal(iso('0100-01-01T00:00:00Z'), '0100-01-01T00:00:00.000Z');
  });

  it('returns a marker for impossible calendar fields, a missing zone and non-strings, never a shifted date', () => {
    for (const v of ['2026-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z', '2026-01-01T00:00:00+24:00', '1900-02-29T00:00:00Z']) {
      assert.match(iso(v), /is not a real date and time/, v);
    }
    assert.match(iso('2026-11-22T08:00:00'), /has no zone/);
    assert.match(iso(1_700_000_000), /with a zone.*got number/);
    assert.ok(Number.isNaN(parseDateTime('nope').getTime()));
  });
});

describe('parseDateTime by position and by expression', () => {
  it('reads the toISOString form by position exactly as the regular expression reads it, and leaves the rest to it', () => {
    // random instants, and strings one change away from the form (each must read the same either way)
    let state = 20261128;
    const rand = (n: number) => ((state = (state * 1103515245 + 12345) % 2147483648) % n);
    const samples: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const t = Date.UTC(100 + rand(9900), rand(12), 1 + rand(31), rand(24), rand(60), rand(60), rand(1000));
      let s = new Date(t).toISOString();
      if (s.length !== 24) continue; // years past 9999 are written with six digits and a sign
      if (rand(2)) s = s.slice(0, 19) + 'Z';
      switch (rand(6)) {
        case 0: {
          // one character replaced by another of the form's alphabet
          const at = rand(s.length);
          s = s.slice(0, at) + '0123456789-:.TZtz+ '[rand(19)] + s.slice(at + 1);
          break;
        }
        case 1:
          s = s.slice(0, 5) + String(rand(15)).padStart(2, '0') + s.slice(7); // months 00..14
          break;
        case 2:
          s = s.slice(0, 8) + String(rand(33)).padStart(2, '0') + s.slice(10); // days 00..32
          break;
        case 3:
          s = s.slice(0, rand(s.length)); // cut short
          break;
        default:
      }
      samples.push(s);
    }
    samples.push('2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00Z', '0099-12-31T23:59:59.999Z', '0100-01-01T00:00:00Z', '2026-01-31t08:30:00.123z', '2026-01-31T08:30:00.12Z');
    const show = (d: Date) => (d instanceof InvalidDateTime ? `invalid: ${d.problem}` : d.toISOString());
    let checked = 0;
    for (const s of samples) {
      assert.equal(show(parseDateTime(s)), show(readByExpression(s)), s);
      checked++;
    }
    assert.ok(checked > 19_000);
  });
});

describe('checkJson', () => {
  it('passes storable JSON through unchanged', () => {
    const v = { a: [1, 'two', { b: null, c: true }], 'ключ': '😀' };
    assert.equal(checkJson(v), v);
  });

  it('bounds depth without recursion and refuses NUL and lone surrogates in keys and values', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.ok(checkJson(deep) instanceof InvalidJson);
    let ok: unknown = 0;
    for (let i = 0; i < 32; i++) ok = { x: ok };
    assert.equal(checkJson(ok), ok);
    assert.ok(checkJson({ x: ok }) instanceof InvalidJson);
    assert.ok(checkJson(['a\u0000']) instanceof InvalidJson);
    assert.ok(checkJson({ ['\udfff']: 1 }) instanceof InvalidJson);
  });
});

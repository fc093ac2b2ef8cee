import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addMoney, hasAtMostDecimals, roundMoney } from '../../../src/rules/money.ts';

describe('money', () => {
  it('adds amounts exactly in decimal', () => {
    assert.equal(addMoney(100.3, 35.31), 135.61);
    assert.equal(Array.from({ length: 10 }).reduce<number>((s) => addMoney(s, 0.1), 0), 1);
    assert.equal(addMoney(9_999_999.99, 0.01), 10_000_000);
  });
  it('tells whole minor units from finer amounts, allowing for binary noise', () => {
    for (const ok of [19.99, 135.60999999999999, 0.1 + 0.2, 9_999_999.99, 0, 12]) assert.ok(hasAtMostDecimals(ok, 2), String(ok));
    for (const bad of [19.999, 0.005, 9_999_999.995, 0.001]) assert.ok(!hasAtMostDecimals(bad, 2), String(bad));
    assert.ok(hasAtMostDecimals(1500, 0));
    assert.ok(!hasAtMostDecimals(99.5, 0));
    assert.ok(hasAtMostDecimals(1.234, 3));
  });
  it('rounds half away from zero to the given decimals', () => {
    assert.equal(roundMoney(1.005, 2), 1.01); // 1.005 is 1.00499999999999989... as a double; the scale step rounds up
    assert.equal(roundMoney(-2.5, 0), -3);
    assert.equal(roundMoney(135.60999999999999, 2), 135.61);
  });
});

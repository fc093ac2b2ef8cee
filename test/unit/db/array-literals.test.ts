import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { numberArray, textArray } from '../../../src/db/array-literals.ts';

describe('array literals', () => {
  it('quotes every text element and escapes only quotes and backslashes', () => {
    assert.equal(textArray([]), '{}');
    assert.equal(textArray(['a', 'b c', 'x,y', '{z}', 'NULL', '']), '{"a","b c","x,y","{z}","NULL",""}');
    assert.equal(textArray(['say "hi"', 'back\\slash', 'both \\"']), '{"say \\"hi\\"","back\\\\slash","both \\\\\\""}');
    assert.equal(textArray([null, 'a', undefined]), '{NULL,"a",NULL}');
    assert.equal(textArray(['line\nbreak', '汉字']), '{"line\nbreak","汉字"}');
  });

  it('writes numbers as the shortest decimal that reads back as the same double', () => {
    assert.equal(numberArray([]), '{}');
    assert.equal(numberArray([0, -1.5, 0.1 + 0.2, 1e21, 1793798726139, null]), '{0,-1.5,0.30000000000000004,1e+21,1793798726139,NULL}');
  });
});

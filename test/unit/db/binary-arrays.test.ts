// Binary array parameters, byte for byte what PostgreSQL's array_send writes for the same arrays (fixtures taken from
// PostgreSQL 18: SELECT encode(array_send(ARRAY[...]::text[]), 'hex')), so array_recv reads them back as those arrays.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { float8ArrayBinary, int4ArrayBinary, textArrayBinary } from '../../../src/db/binary-arrays.ts';

const hex = (b: Buffer) => b.toString('hex');

describe('binary arrays', () => {
  it('writes text[] as array_send does: lengths in bytes of UTF-8, -1 for NULL, nothing escaped', () => {
    assert.equal(
      hex(textArrayBinary(['a', null, '汉字', '', 'say "hi"'])),
      '00000001000000010000001900000005000000010000000161ffffffff00000006e6b189e5ad9700000000000000087361792022686922',
    );
    assert.equal(hex(textArrayBinary([])), '000000000000000000000019');
    // undefined is NULL too; the flags word says whether any element is
    assert.equal(hex(textArrayBinary([undefined, 'x'])).slice(0, 16), '0000000100000001');
    assert.equal(hex(textArrayBinary(['x'])).slice(0, 16), '0000000100000000');
    // beyond ASCII in the middle of a string, and astral characters
    assert.equal(textArrayBinary(['ab汉c😀']).subarray(24).toString('utf8'), 'ab汉c😀');
    // sized exactly: no spare bytes behind the view (the buffer is kept while the statement may be retried)
    const long = textArrayBinary(['x'.repeat(10_000), 'é'.repeat(10)]);
    assert.equal(long.buffer.byteLength, long.length, 'no spare memory behind it (large buffers are not pooled)');
    assert.equal(long.length, 20 + 4 + 10_000 + 4 + 20);
  });

  it('writes float8[] and int4[] as array_send does', () => {
    assert.equal(
      hex(float8ArrayBinary([1.5, null, 0, Number.POSITIVE_INFINITY])),
      '0000000100000001000002bd0000000400000001000000083ff8000000000000ffffffff000000080000000000000000000000087ff0000000000000',
    );
    assert.equal(hex(int4ArrayBinary([7, -1])), '0000000100000000000000170000000200000001000000040000000700000004ffffffff');
    assert.throws(() => int4ArrayBinary([2 ** 31]), RangeError);
    assert.throws(() => int4ArrayBinary([1.5]), RangeError);
    assert.throws(() => int4ArrayBinary([Number.NaN]), RangeError);
  });
});

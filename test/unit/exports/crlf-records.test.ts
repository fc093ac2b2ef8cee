// crlfRecords: COPY's LF record ends become CRLF, a line break inside a quoted field stays, and the quote state
// carries across chunk boundaries however the bytes are cut.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { crlfRecords } from '../../../src/modules/exports/csv.ts';

// COPY's header row comes first, as WITH (HEADER) writes it
async function through(chunks: Buffer[]): Promise<string> {
  const body = crlfRecords();
  Readable.from([Buffer.from('h1,h2\n'), ...chunks]).pipe(body);
  const out: Buffer[] = [];
  for await (const c of body) out.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(out).toString('utf8');
}

// as PostgreSQL writes it: a field with a quote, a comma or a line break is quoted, quotes doubled
const COPY_OUTPUT = 'a,1\n"multi\nline ""q""",2\n"x,y",\n用户,3.5\n"""",\n';
const EXPECTED = 'h1,h2\r\na,1\r\n"multi\nline ""q""",2\r\n"x,y",\r\n用户,3.5\r\n"""",\r\n';

describe('crlfRecords', () => {
  it('writes the header, then each record ended by CRLF, keeping line breaks inside quoted fields', async () => {
    assert.equal(await through([Buffer.from(COPY_OUTPUT)]), EXPECTED);
  });

  it('gives the same bytes however the input is cut into chunks, a character or a quoted field split across two', async () => {
    const bytes = Buffer.from(COPY_OUTPUT);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.equal(await through([bytes.subarray(0, cut), bytes.subarray(cut)]), EXPECTED, `cut at ${cut}`);
    }
    const single = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    assert.equal(await through(single), EXPECTED);
  });

  it('passes an empty result as the header alone', async () => {
    assert.equal(await through([]), 'h1,h2\r\n');
  });
});

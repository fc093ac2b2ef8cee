// The benchmarks' flag reader: the forms it reads, a refused number, and the flags a benchmark never asked for named
// on stderr when it ends (in a child process: the note is written at exit).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFlags } from '../../../bench/support/args.ts';

describe('bench flags', () => {
  it('reads --name value, --name=value, bare flags and number lists; refuses a number that is not one', () => {
    const f = readFlags(['--events', '2_000', '--concurrency=3,4', '--waits', '--only', 'user']);
    assert.equal(f.number('events', 1), 2000);
    assert.deepEqual(f.numbers('concurrency', [1]), [3, 4]);
    assert.equal(f.has('waits'), true);
    assert.equal(f.has('profile'), false);
    assert.equal(f.string('only'), 'user');
    assert.equal(f.number('pairs', 3), 3);
    assert.throws(() => readFlags(['--pairs', 'three']).number('pairs', 3), /--pairs must be a positive number, got "three"/);
  });

  it('names on exit the flags the benchmark never asked for, and only those', () => {
    const module = new URL('../../../bench/support/args.ts', import.meta.url).href;
    const script = `import { readFlags } from ${JSON.stringify(module)};
      const f = readFlags(['--pairs', '2', '--copy-runs', '2', '--waits']);
      f.number('pairs', 3); f.has('profile');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), 'bench: ignored --copy-runs, --waits (not a flag of this benchmark)');
  });
});

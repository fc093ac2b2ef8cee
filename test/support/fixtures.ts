// The reference fixtures computed with scikit-learn live in the shared folder beside the main checkout
// (../shared/fixtures). A git worktree sits deeper (e.g. /work/wt/<branch>), so the folder is looked for upwards
// from the working directory rather than at one fixed relative path.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function sharedFixturesDir(): string {
  for (let dir = resolve('.'); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'fixtures');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`no shared/fixtures folder above ${resolve('.')}`);
  }
}

/** The text of a fixture file, e.g. readFixture('clustering/blobs-600x4.json'). */
export function readFixture(relativePath: string): string {
  return readFileSync(join(sharedFixturesDir(), relativePath), 'utf8');
}

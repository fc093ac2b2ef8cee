// Reference fixtures (values computed with scikit-learn; a copy of ../shared/fixtures kept with the tests) are read
// relative to this file, never to the working directory, so a test runs the same from any folder or checkout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** The text of a fixture file, e.g. readFixture('clustering/blobs-600x4.json'). */
export function readFixture(relativePath: string): string {
  return readFileSync(join(FIXTURES, relativePath), 'utf8');
}

// profiles.segment_id has one writer, src/modules/profiles/profile-store.ts: its functions record each move in the
// membership history in the statement that makes it (no trigger does; migration bulk_placement). A write of
// segment_id anywhere else in src/ would move users without history or outbox rows; this finds one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const SRC = resolve(import.meta.dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated') return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** an UPDATE of profiles that sets segment_id, or Prisma writing segmentId on a profile */
const WRITES = [/UPDATE\s+profiles\b[^;`]*?\bSET\b[^;`]*?\bsegment_id\s*=/is, /profile\.(?:update|updateMany|upsert|create|createMany)\([^;]*segmentId/s];

describe('writers of profiles.segment_id', () => {
  it('are all in profile-store.ts, which records the moves', () => {
    const files = sourceFiles(SRC);
    assert.ok(files.length > 50);
    const writers = files.filter((f) => WRITES.some((w) => w.test(readFileSync(f, 'utf8')))).map((f) => relative(SRC, f));
    assert.deepEqual(writers, [join('modules', 'profiles', 'profile-store.ts')]);
  });
});

// The layout's rules, checked on the import graph of src/ (static imports, read as text):
// - nothing below the composition root imports it or the transport layers: src/modules, src/compute, src/rules,
//   src/db, src/lib and src/config never import src/app, src/graphql or src/http;
// - pure code stays pure: src/compute and src/rules import no module, database or transport code;
// - no loop between module folders (src/modules/<domain>);
// - segment_placements is written only by src/modules/profiles/placements.ts (below).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const SRC = resolve(import.meta.dirname, '..', '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'generated') return [];
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/gm;

/** file (relative to src) -> the files it imports (relative to src) */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => relative(SRC, resolve(dirname(file), m[1]!)));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

const top = (path: string) => path.split(sep)[0]!;
const moduleOf = (path: string) => (path.startsWith(`modules${sep}`) ? path.split(sep)[1]! : null);

describe('the import graph of src/', () => {
  const graph = importGraph();

  it('is read (the check sees the code)', () => {
    assert.ok(graph.size > 50, `only ${graph.size} files read`);
    assert.ok([...graph.values()].some((t) => t.length > 0));
  });

  it('has no arrow from a lower layer into the composition root or the transport', () => {
    const lower = new Set(['modules', 'compute', 'rules', 'db', 'lib', 'config', 'logger.ts', 'errors.ts']);
    const upper = new Set(['app', 'graphql', 'http']);
    const wrong = [...graph].flatMap(([file, targets]) =>
      lower.has(top(file)) ? targets.filter((t) => upper.has(top(t))).map((t) => `${file} -> ${t}`) : [],
    );
    assert.deepEqual(wrong, []);
  });

  it('keeps compute/ and rules/ pure', () => {
    const impure = new Set(['modules', 'db', 'app', 'graphql', 'http', 'generated']);
    const wrong = [...graph].flatMap(([file, targets]) =>
      top(file) === 'compute' || top(file) === 'rules' ? targets.filter((t) => impure.has(top(t))).map((t) => `${file} -> ${t}`) : [],
    );
    assert.deepEqual(wrong, []);
  });

  it('has no loop between module folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const [file, targets] of graph) {
      const from = moduleOf(file);
      if (!from) continue;
      for (const t of targets) {
        const to = moduleOf(t);
        if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    // depth-first search for a back edge
    const state = new Map<string, 'open' | 'done'>();
    const loops: string[] = [];
    const visit = (m: string, path: string[]) => {
      state.set(m, 'open');
      for (const next of edges.get(m) ?? []) {
        if (state.get(next) === 'open') loops.push([...path, m, next].slice(path.indexOf(next) >= 0 ? path.indexOf(next) : 0).join(' -> '));
        else if (!state.has(next)) visit(next, [...path, m]);
      }
      state.set(m, 'done');
    };
    for (const m of edges.keys()) if (!state.has(m)) visit(m, []);
    assert.deepEqual(loops, []);
  });
});

// segment_placements has one writer, src/modules/profiles/placements.ts: its statements record each move in the
// membership history in the statement that makes it (no trigger does; migration segment_placements). A write of a
// placement anywhere else in src/ would move users without history or outbox rows; this finds one.
/** SQL that inserts, updates or deletes placements, or Prisma writing them */
const WRITES = [
  /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+segment_placements\b/i,
  /segmentPlacement\.(?:update|updateMany|upsert|create|createMany|createManyAndReturn|delete|deleteMany)\(/,
];

describe('writers of segment_placements', () => {
  it('are all in placements.ts, which records the moves', () => {
    const files = sourceFiles(SRC);
    assert.ok(files.length > 50);
    const writers = files.filter((f) => WRITES.some((w) => w.test(readFileSync(f, 'utf8')))).map((f) => relative(SRC, f));
    assert.deepEqual(writers, [join('modules', 'profiles', 'placements.ts')]);
  });
});

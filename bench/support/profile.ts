// Summarises a V8 .cpuprofile (written by the service child under --cpu-prof): where the server's CPU time went, by
// area (our code, each npm package, node internals, GC, idle) and by function, self and inclusive.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, printTable } from './table.ts';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The area a frame belongs to: `src/<file>`, an npm package, node internals or a V8 pseudo-frame. */
export function areaOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1).replace(/\?.*$/, '');
  return url;
}

const frameKey = (f: CallFrame) => `${(f.functionName || '(anonymous)').slice(0, 60)} ${areaOf(f)}:${f.lineNumber + 1}`;

export interface ProfileSummary {
  totalMs: number;
  /** ms outside (idle) */
  busyMs: number;
  byArea: Map<string, number>;
  selfByFunction: Map<string, number>;
  inclusiveByFunction: Map<string, number>;
  inclusiveByArea: Map<string, number>;
}

export function summariseProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const byArea = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  const inclusiveByArea = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const node = byId.get(id)!;
    const area = areaOf(node.callFrame);
    if (area === '(idle)') idle += ms;
    add(byArea, area, ms);
    add(selfByFunction, frameKey(node.callFrame), ms);
    const seenFn = new Set<string>();
    const seenArea = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const k = frameKey(f);
      if (!seenFn.has(k)) {
        seenFn.add(k);
        add(inclusiveByFunction, k, ms);
      }
      const a = areaOf(f);
      if (!seenArea.has(a)) {
        seenArea.add(a);
        add(inclusiveByArea, a, ms);
      }
    }
  });
  return { totalMs: total, busyMs: total - idle, byArea, selfByFunction, inclusiveByFunction, inclusiveByArea };
}

const top = (m: Map<string, number>, n: number, filter: (k: string) => boolean = () => true) =>
  [...m.entries()].filter(([k]) => filter(k)).sort((a, b) => b[1] - a[1]).slice(0, n);

/** Prints the summary of the main thread's profile in dir (the busiest one; tsx's loader thread writes another). */
export function printProfiles(dir: string, topN = 25): void {
  const summaries = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ file: join(dir, f), s: summariseProfile(JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile) }))
    .sort((a, b) => b.s.busyMs - a.s.busyMs);
  const main = summaries[0];
  if (!main) {
    console.log(`no .cpuprofile in ${dir}`);
    return;
  }
  const s = main.s;
  const pct = (v: number) => `${((100 * v) / s.busyMs).toFixed(1)}%`;
  console.log(`\nCPU profile of the service's main thread: ${main.file}`);
  console.log(`sampled ${fmt(s.totalMs / 1000)} s, busy (not idle) ${fmt(s.busyMs / 1000)} s; shares below are of busy time`);
  console.log('\nby area (self: in its own code; inclusive: with what it calls)');
  printTable(['area', 'self ms', 'share', 'inclusive ms', 'share'],
    top(s.byArea, topN, (k) => k !== '(idle)').map(([k, v]) => [k, v, pct(v), s.inclusiveByArea.get(k) ?? 0, pct(s.inclusiveByArea.get(k) ?? 0)]));
  console.log('\nself time by function');
  printTable(['function', 'self ms', 'share'], top(s.selfByFunction, topN, (k) => !k.startsWith('(idle)')).map(([k, v]) => [k, v, pct(v)]));
  console.log('\ninclusive time of functions in src/');
  printTable(['function', 'incl ms', 'share'], top(s.inclusiveByFunction, topN, (k) => / src\//.test(k)).map(([k, v]) => [k, v, pct(v)]));
}

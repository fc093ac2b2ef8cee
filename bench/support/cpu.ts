// CPU seconds used by each party of a run (the service child, PostgreSQL, this load generator), read from /proc, so a
// result can say which process the 2 cores were busy with. Linux only; elsewhere the figures are absent.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux

interface ProcTimes {
  ppid: number;
  /** own user + system ticks */
  own: number;
  /** ticks of reaped children */
  children: number;
}

function readStat(pid: number): ProcTimes | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a process tree: the root (with its reaped children) and its live direct children. Read again when
 * a child was reaped during the scan, so an exiting backend is counted exactly once.
 */
function treeSeconds(root: number): number | null {
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = readStat(root);
    if (!before) return null;
    let live = 0;
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const s = readStat(Number(name));
      if (s && s.ppid === root) live += s.own;
    }
    const after = readStat(root);
    if (after && after.children === before.children) return (after.own + after.children + live) / TICKS_PER_SECOND;
  }
  return null;
}

/** CPU seconds the whole machine spent busy (all processes, all cores), from /proc/stat. */
function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  at: number;
  machine: number | null;
  server: number | null;
  postgres: number | null;
  client: number;
}

export interface CpuUse {
  wall: number;
  /** busy CPU seconds of everything else on the machine (other users' processes, the kernel) */
  others: number | null;
  server: number | null;
  postgres: number | null;
  client: number;
}

export class CpuMeter {
  /** postmasterPid: the ppid of any backend (null when PostgreSQL runs elsewhere) */
  constructor(private readonly serverPid: number, private readonly postmasterPid: number | null) {}

  snapshot(): CpuSnapshot {
    const u = process.cpuUsage();
    return {
      at: performance.now(),
      machine: machineBusySeconds(),
      server: treeSeconds(this.serverPid),
      postgres: this.postmasterPid === null ? null : treeSeconds(this.postmasterPid),
      client: (u.user + u.system) / 1e6,
    };
  }

  since(a: CpuSnapshot): CpuUse {
    const b = this.snapshot();
    const d = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
    const server = d(a.server, b.server);
    const postgres = d(a.postgres, b.postgres);
    const client = b.client - a.client;
    const machine = d(a.machine, b.machine);
    const others = machine === null ? null : Math.max(0, machine - (server ?? 0) - (postgres ?? 0) - client);
    return { wall: (b.at - a.at) / 1000, others, server, postgres, client };
  }
}

/** The postmaster's pid, from the parent of our own backend (null when that process is not on this machine). */
export function postmasterOf(backendPid: number): number | null {
  const s = readStat(backendPid);
  return s ? s.ppid : null;
}

/** "server 1.2 s (60%) · postgres 0.7 s · client 0.1 s": CPU seconds and their share of one core over the wall time. */
export function describeCpu(u: CpuUse): string {
  const part = (name: string, v: number | null) => (v === null ? `${name} n/a` : `${name} ${v.toFixed(1)} s (${Math.round((100 * v) / u.wall)}% of a core)`);
  return `${part('server', u.server)}, ${part('postgres', u.postgres)}, ${part('load generator', u.client)}, ${part('other processes', u.others)} over ${u.wall.toFixed(1)} s`;
}

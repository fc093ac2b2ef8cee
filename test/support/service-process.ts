// Runs Portrait as a real child process (`npm start`, or node on src/main.ts), so tests can send it real signals and
// kill it. Its JSON log lines are collected; `url` resolves from the "serving" line.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { TEST_ADMIN_KEY } from './server.ts';
import { until } from './wait.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  pid: number;
  /** the GraphQL URL, once the service serves */
  url: Promise<string>;
  /** every JSON log line so far */
  logs: Record<string, unknown>[];
  /** resolves with the exit code (or signal) when the process ends */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServiceProcessOptions {
  /** 'npm': `npm start`; 'node': node --import tsx src/main.ts (no npm in between) */
  via: 'npm' | 'node';
  env: Record<string, string>;
}

export function startServiceProcess(opts: ServiceProcessOptions): ServiceProcess {
  const [command, args] = opts.via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', 'src/main.ts']];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...opts.env },
  });
  const logs: Record<string, unknown>[] = [];
  const text: string[] = [];
  let resolveUrl: (url: string) => void;
  let rejectUrl: (err: Error) => void;
  const url = new Promise<string>((res, rej) => {
    resolveUrl = res;
    rejectUrl = rej;
  });
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      text.push(line);
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === 'Portrait is serving GraphQL' && typeof entry.url === 'string') resolveUrl(entry.url);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => text.push(chunk.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('exit', (code, signal) => {
      rejectUrl(new Error(`the service exited (${code ?? signal}) before serving:\n${text.join('\n')}`));
      res({ code, signal });
    });
  });
  return { child, pid: child.pid!, url, logs, exit };
}

/** POSTs a GraphQL request to a service process as ADMIN; fails the test on any error. */
export async function gqlAt<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown };
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data!;
}

/** True when no job is queued or running (e.g. the schedule slots every process enqueues at start have run). */
export async function jobsSettled(pool: pg.Pool): Promise<boolean> {
  const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('QUEUED', 'RUNNING')`);
  return r.rows[0]!.n === 0;
}

/**
 * Two service processes on one database, as behind a load balancer (the admin key, no demo, NODE_ENV test, plus `env`),
 * resolved once both serve and the schedule slots both enqueue at start (hourly, daily, weekly) have run. `stop` sends
 * both SIGTERM and waits for them to end.
 */
export async function startServicePair(
  database: { url: string; pool: pg.Pool },
  env: Record<string, string> = {},
): Promise<{ services: ServiceProcess[]; urls: string[]; stop(): Promise<void> }> {
  const all = { DATABASE_URL: database.url, PORTRAIT_ADMIN_KEY: TEST_ADMIN_KEY, PORTRAIT_DEMO: 'off', NODE_ENV: 'test', ...env };
  const services = [startServiceProcess({ via: 'node', env: all }), startServiceProcess({ via: 'node', env: all })];
  const urls = await Promise.all(services.map((s) => s.url));
  // A process enqueues its start-up slots after it starts serving: settled alone can hold before any was enqueued,
  // and a weekly retrain would then run into the caller's first test.
  const scheduled = async () =>
    (await database.pool.query<{ n: number }>(`SELECT count(DISTINCT kind)::int AS n FROM jobs WHERE kind IN ('schedule:hourly', 'schedule:daily', 'schedule:weekly')`)).rows[0]!.n === 3;
  await until('the start-up schedule runs finish', async () => (await scheduled()) && jobsSettled(database.pool), 120_000);
  return {
    services,
    urls,
    async stop() {
      for (const s of services) s.child.kill('SIGTERM');
      await Promise.all(services.map((s) => s.exit));
    },
  };
}

// Runs the real service (src/main.ts) as a child process, so the load generator and the server do not share one
// event loop: NODE_ENV=production, PORTRAIT_DEMO=off, LOG_LEVEL=warn, the bench admin key, API only (no job worker).
// Optionally under --cpu-prof, to see where the server's time goes.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { BENCH_ADMIN_KEY, authHeaders } from './gql.ts';
import { freePort } from '../../src/db/embedded.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

export interface ServiceChild {
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  port: number;
  pid: number;
  /** false once the child has exited */
  running(): boolean;
  /** SIGTERM (graceful shutdown), SIGKILL after 15 s */
  stop(): Promise<void>;
}

export interface ServiceOptions {
  databaseUrl: string;
  /** write a V8 CPU profile of the server into this folder when it exits */
  cpuProfileDir?: string;
  poolSize?: number;
  /** the script to run (default src/main.ts); lets an experiment start a variant of the service the same way */
  entry?: string;
}

export { freePort };

function exited(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) res();
    else child.once('exit', () => res());
  });
}

export async function startServiceChild(opts: ServiceOptions): Promise<ServiceChild> {
  const port = await freePort();
  // the flags `npm start` and the Dockerfile run the service with (package.json: the young generation's size)
  const nodeArgs = ['--max-semi-space-size=32', '--import', 'tsx'];
  if (opts.cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`);
  const child = spawn(process.execPath, [...nodeArgs, opts.entry ?? 'src/main.ts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: opts.databaseUrl,
      PORTRAIT_DEMO: 'off',
      LOG_LEVEL: 'warn',
      PORTRAIT_ADMIN_KEY: BENCH_ADMIN_KEY,
      // An API-only process: no job worker, so no scheduled retraining starts in the middle of a measurement.
      PORTRAIT_WORKER: 'off',
      PORTRAIT_SCHEDULES: 'off',
      ...(opts.poolSize ? { DATABASE_POOL_SIZE: String(opts.poolSize) } : {}),
    },
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  let exitCode: number | null = null;
  let stopping = false;
  child.once('exit', (code, signal) => {
    exitCode = code ?? (signal ? 128 : 1);
    if (!stopping) console.error(`\nthe service (pid ${child.pid}) exited unexpectedly: code ${code}, signal ${signal}`);
  });
  const stop = async () => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited(child);
    clearTimeout(timer);
  };

  // Ready when a bare query answers (start-up applies the migrations first). Only "not listening yet" is retried.
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exitCode !== null) throw new Error(`the service exited during start-up (code ${exitCode})`);
    let res: Response | undefined;
    try {
      res = await fetch(url, { method: 'POST', headers: authHeaders, body: '{"query":"{ __typename }"}' });
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the service did not answer at ${url} within 120 s: ${String(err)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    const text = await res.text();
    if (res.ok) break;
    await stop();
    throw new Error(`the service answered a bare query with HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  return { url, port, pid: child.pid ?? -1, stop, running: () => exitCode === null };
}

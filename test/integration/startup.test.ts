// Start-up as a user sees it: `npm start` with no DATABASE_URL runs on an embedded PostgreSQL and loads demo data.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEV_ADMIN_KEY, loadEnv } from '../../src/config/env.ts';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createTestDatabase } from '../support/database.ts';
import { startService, type RunningService } from '../../src/start-service.ts';
import { createLogger } from '../../src/logger.ts';
import { withClient } from '../../src/db/with-client.ts';
import { startServiceProcess } from '../support/service-process.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'portrait-startup-'));
const killedDir = mkdtempSync(join(tmpdir(), 'portrait-killed-'));
let service: RunningService | undefined;
after(async () => {
  await service?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(killedDir, { recursive: true, force: true });
});

const postmasterPid = (dir: string) => Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('start-up', () => {
  it('serves GraphQL on the embedded default with demo data of distinct behaviour groups', async () => {
    const env = loadEnv({ PORT: '0', HOST: '127.0.0.1', PORTRAIT_DATA_DIR: dataDir, PORTRAIT_DEMO_USERS: '120', LOG_LEVEL: 'silent', PORTRAIT_ADMIN_KEY: 'startup-admin-key-0123456789' });
    assert.equal(existsSync(join(dataDir, 'PG_VERSION')), false, 'the data folder starts empty');
    service = await startService(env, createLogger('silent'));
    // The service started its own PostgreSQL in PORTRAIT_DATA_DIR (not the tests' server, whose DATABASE_URL this
    // process has in its environment) and put the demo users there.
    assert.equal(existsSync(join(dataDir, 'PG_VERSION')), true, 'a PostgreSQL cluster was created in PORTRAIT_DATA_DIR');
    const port = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]); // line 4: the port it listens on
    assert.ok(Number.isInteger(port) && port > 0, `postmaster.pid names a port: ${port}`);
    const embeddedUsers = await withClient(`postgresql://postgres:postgres@127.0.0.1:${port}/portrait`, (c) =>
      c.query<{ n: number }>('SELECT count(*)::int AS n FROM users'),
    );
    assert.equal(embeddedUsers.rows[0]?.n, 120);
    // The service's own connections come over the server's Unix socket (src/db/embedded.ts socketUrl): no client address.
    const viaSocket = await withClient(`postgresql://postgres:postgres@127.0.0.1:${port}/portrait`, (c) =>
      c.query<{ socket: number; tcp: number }>(
        `SELECT count(*) FILTER (WHERE client_addr IS NULL)::int AS socket, count(*) FILTER (WHERE client_addr IS NOT NULL)::int AS tcp
           FROM pg_stat_activity WHERE datname = 'portrait' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      ),
    );
    assert.ok(viaSocket.rows[0]!.socket > 0, `the service has ${viaSocket.rows[0]!.socket} connections over the socket`);
    assert.equal(viaSocket.rows[0]!.tcp, 0, 'and none over TCP');
    const res = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer startup-admin-key-0123456789' },
      body: JSON.stringify({ query: '{ users(first: 500) { totalCount edges { node { profile { totalSpent sessionsCount recencyScore } } } } }' }),
    });
    const body = (await res.json()) as { data: { users: { totalCount: number; edges: { node: { profile: { totalSpent: number; sessionsCount: number; recencyScore: number } } }[] } } };
    assert.equal(body.data.users.totalCount, 120);
    const profiles = body.data.users.edges.map((e) => e.node.profile);
    // Not uniform noise: some users spend a lot, some nothing; some are recent, some dormant.
    assert.ok(profiles.some((p) => p.totalSpent > 500));
    assert.ok(profiles.some((p) => p.totalSpent === 0));
    assert.ok(profiles.some((p) => p.recencyScore > 0.8));
    assert.ok(profiles.some((p) => p.recencyScore < 0.1));
    assert.ok(profiles.every((p) => p.sessionsCount >= 1));
  });

  it('starts the embedded PostgreSQL again when its postmaster dies under the running service', async () => {
    assert.ok(service, 'the first test started the service');
    const origin = new URL(service.url).origin;
    const before = postmasterPid(dataDir);
    process.kill(before, 'SIGKILL');
    await until('the postmaster is gone', async () => !alive(before));
    await until('a new postmaster serves and /ready is 200', async () => {
      const pid = postmasterPid(dataDir);
      return pid !== before && alive(pid) && (await fetch(`${origin}/ready`)).status === 200;
    });
    const res = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer startup-admin-key-0123456789' },
      body: JSON.stringify({ query: '{ users(first: 1) { totalCount } }' }),
    });
    assert.deepEqual(await res.json(), { data: { users: { totalCount: 120 } } });
  });

  it('after kill -9 of the service, the next start stops the orphaned PostgreSQL and serves', { timeout: 120_000 }, async () => {
    const env = { PORTRAIT_DATA_DIR: killedDir, PORTRAIT_DEMO: 'off', PORTRAIT_SCHEDULES: 'off' };
    const first = startServiceProcess({ via: 'node', env });
    await first.url;
    const orphan = postmasterPid(killedDir);
    process.kill(first.pid, 'SIGKILL');
    await first.exit;
    assert.equal(alive(orphan), true, 'the killed service left its postmaster running');

    const second = startServiceProcess({ via: 'node', env });
    const url = await second.url;
    assert.ok(second.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith(`stopping an orphaned PostgreSQL (pid ${orphan})`)), JSON.stringify(second.logs));
    assert.equal(alive(orphan), false);
    assert.equal((await fetch(`${new URL(url).origin}/ready`)).status, 200);
    process.kill(second.pid, 'SIGTERM');
    assert.deepEqual(await second.exit, { code: 0, signal: null });
  });

  it('with the development key and HOST unset: listens on 127.0.0.1 only, says so, and names the key "development key"', async () => {
    const database = await createTestDatabase();
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const env = loadEnv({ PORT: '0', DATABASE_URL: database.url, PORTRAIT_DEMO: 'off', PORTRAIT_WORKER: 'off' });
    assert.equal(env.usingDevAdminKey, true);
    const local = await startService(env, pino({ level: 'info' }, sink));
    try {
      assert.equal(new URL(local.url).hostname, '127.0.0.1');
      assert.ok(lines.some((l) => l.msg === 'listening on 127.0.0.1 only: set HOST (e.g. HOST=0.0.0.0) to accept connections from other machines'), JSON.stringify(lines));
      const res = await fetch(local.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DEV_ADMIN_KEY}` },
        body: JSON.stringify({ query: '{ viewer { name role } }' }),
      });
      assert.deepEqual(await res.json(), { data: { viewer: { name: 'development key', role: 'ADMIN' } } });
    } finally {
      await local.stop();
      await database.close();
    }
  });

  it('listens where HOST says; refuses the published development key in production however it is given', () => {
    assert.equal(loadEnv({}).HOST, '127.0.0.1');
    assert.equal(loadEnv({ HOST: '0.0.0.0' }).HOST, '0.0.0.0');
    assert.equal(loadEnv({ PORTRAIT_ADMIN_KEY: DEV_ADMIN_KEY }).usingDevAdminKey, true);
    assert.throws(() => loadEnv({ NODE_ENV: 'production' }), (e: unknown) => e instanceof ConfigError && /PORTRAIT_ADMIN_KEY/.test(e.message));
    assert.throws(() => loadEnv({ NODE_ENV: 'production', PORTRAIT_ADMIN_KEY: DEV_ADMIN_KEY }), (e: unknown) => e instanceof ConfigError && /development key/.test(e.message));
  });

  it('stops with a message naming a bad setting', () => {
    assert.throws(() => loadEnv({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
    assert.throws(() => loadEnv({ DATABASE_URL: 'mysql://x' }), (e: unknown) => e instanceof ConfigError && /DATABASE_URL/.test(e.message));
    assert.throws(() => loadEnv({ PORTRAIT_DEMO: 'yes' }), (e: unknown) => e instanceof ConfigError && /PORTRAIT_DEMO/.test(e.message));
  });
});

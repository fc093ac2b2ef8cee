// Start-up as a user sees it: `npm start` with no DATABASE_URL runs on an embedded PostgreSQL and loads demo data.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadEnv } from '../../src/config/env.ts';
import { startService, type RunningService } from '../../src/app/start-service.ts';
import { createLogger } from '../../src/logger.ts';
import { withClient } from '../../src/db/with-client.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'portrait-startup-'));
let service: RunningService | undefined;
after(async () => {
  await service?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

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

  it('stops with a message naming a bad setting', () => {
    assert.throws(() => loadEnv({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
    assert.throws(() => loadEnv({ DATABASE_URL: 'mysql://x' }), (e: unknown) => e instanceof ConfigError && /DATABASE_URL/.test(e.message));
    assert.throws(() => loadEnv({ PORTRAIT_DEMO: 'yes' }), (e: unknown) => e instanceof ConfigError && /PORTRAIT_DEMO/.test(e.message));
  });
});

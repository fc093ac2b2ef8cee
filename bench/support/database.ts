// The benchmark's own database: an embedded PostgreSQL in a temporary folder (real durability: fsync stays on), or,
// when DATABASE_URL is set, a fresh database on that server. Either way it is created here and removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { withClient } from '../../src/db/with-client.ts';

export interface BenchDatabase {
  /** URL of the benchmark's own database */
  url: string;
  /** where it runs, for the report */
  description: string;
  /** a short-lived client on the benchmark database */
  withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>;
  /** drops the database (DATABASE_URL) or stops the embedded server and deletes its folder */
  stop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function startBenchDatabase(label: string): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL;
  let adminUrl: string;
  let stopServer: (() => Promise<void>) | undefined;
  let description: string;
  if (external) {
    adminUrl = external;
    description = `DATABASE_URL server ${new URL(external).host}`;
  } else {
    const dataDir = mkdtempSync(join(tmpdir(), `portrait-bench-${label}-`));
    const server = await startEmbeddedPostgres({ dataDir, persistent: false, throwaway: false });
    // over its Unix socket, as the service reaches its own embedded server (src/db/database.ts); every client of the
    // bench (the service, COPY, the checks) uses this one URL, so a ratio between them compares like with like
    adminUrl = server.socketUrl;
    stopServer = async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    description = `embedded PostgreSQL in ${dataDir} (fsync on, ${server.socketUrl === server.url ? 'TCP' : 'Unix socket'})`;
  }
  const name = `portrait_bench_${label}_${process.pid}`;
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
    const version = await admin.query<{ server_version: string }>('SHOW server_version');
    description += `, PostgreSQL ${version.rows[0]?.server_version ?? '?'}`;
  });
  const url = withDatabase(adminUrl, name);
  return {
    url,
    description,
    withClient: (fn) => withClient(url, fn),
    async stop() {
      if (external) {
        await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      }
      await stopServer?.();
    },
  };
}

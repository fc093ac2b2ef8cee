// Each test file gets its own freshly migrated database on the server named by DATABASE_URL (set by `npm test`).
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { withClient } from '../../src/db/with-client.ts';
import { connect, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';

export interface TestDatabase extends Database {
  url: string;
  /** empties every table, keeping the schema */
  reset(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with `npm test`, which provides a database');
  return url;
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withClient(serverUrl(), fn);

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `portrait_test_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const u = new URL(serverUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrate(url);
  const database = connect(url, 20);
  return {
    ...database,
    url,
    async reset() {
      await database.db.$executeRawUnsafe(
        `TRUNCATE users, events, profiles, api_keys, segmentation_models, segments, jobs, population_stats RESTART IDENTITY CASCADE`,
      );
    },
    async close() {
      await database.close();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

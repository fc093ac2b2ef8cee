// `npm run db:migrate`: applies pending migrations to DATABASE_URL (the service also does this at start-up).
import { migrate } from '../src/db/migrate.ts';
import { loadEnv } from '../src/config/env.ts';

const env = loadEnv();
if (!env.DATABASE_URL) {
  console.error('DATABASE_URL is not set; the embedded database is migrated when the service starts (npm start)');
  process.exit(2);
}
const ran = await migrate(env.DATABASE_URL, (m) => console.log(m));
console.log(ran.length ? `${ran.length} migration(s) applied` : 'no pending migrations');

// importUsers: upserts a warehouse user table as users with a baseline profile. The baseline is kept apart from
// what events add (profiles.base_*), so re-importing a user replaces its baseline without losing its events.
// Columns left out of a row keep their stored values.
import type { UserImportInput } from '../../generated/graphql.ts';
import type { Db } from '../../db/client.ts';
import { fromPrisma, type Sql } from '../../db/sql.ts';
import { withRetry } from '../../db/retry.ts';
import { badInput } from '../../errors.ts';
import { isRejection } from '../events/validate-event.ts';
import { MAX_USERS_PER_CALL, validateImport, type ImportRejectCode, type ValidImport } from './validate-import.ts';

export interface RejectedUser {
  index: number;
  userId: string | null;
  code: ImportRejectCode;
  message: string;
}

export interface ImportResult {
  imported: number;
  updated: number;
  rejected: RejectedUser[];
}

export interface ImportOptions {
  now?: Date;
  afterProfilesChanged?: (sql: Sql, userIds: string[]) => Promise<void>;
}

export async function importUsers(db: Db, inputs: readonly UserImportInput[], opts: ImportOptions = {}): Promise<ImportResult> {
  if (inputs.length > MAX_USERS_PER_CALL) throw badInput('users', `at most ${MAX_USERS_PER_CALL} rows per call, got ${inputs.length}`);
  const now = opts.now ?? new Date();
  const rejected: RejectedUser[] = [];
  const rows: ValidImport[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const v = validateImport(input, now);
    if (isRejection<ImportRejectCode>(v)) {
      rejected.push({ index, userId: input.userId || null, code: v.code, message: v.message });
    } else if (seen.has(v.userId)) {
      rejected.push({ index, userId: v.userId, code: 'DUPLICATE_USER_ID', message: 'userId appears earlier in this batch' });
    } else {
      seen.add(v.userId);
      rows.push(v);
    }
  });
  if (rows.length === 0) return { imported: 0, updated: 0, rejected };
  rows.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  const json = JSON.stringify(rows);
  const imported = await withRetry(() =>
    db.$transaction(
      async (tx) => {
        const upserted = await tx.$queryRaw<{ inserted: boolean }[]>`
          INSERT INTO users (id, age, gender, city_tier)
          SELECT x."userId", x.age, x.gender, x."cityTier"
          FROM json_to_recordset(${json}::json) AS x("userId" text, age int, gender text, "cityTier" int)
          ON CONFLICT (id) DO UPDATE SET
            age = COALESCE(EXCLUDED.age, users.age), gender = COALESCE(EXCLUDED.gender, users.gender),
            city_tier = COALESCE(EXCLUDED.city_tier, users.city_tier), updated_at = now()
          RETURNING (xmax = 0) AS inserted`;
        await tx.$executeRaw`
          INSERT INTO profiles (user_id) SELECT x."userId" FROM json_to_recordset(${json}::json) AS x("userId" text)
          ON CONFLICT DO NOTHING`;
        // SET expressions see the row as it was, so "total - old base + new base" swaps the baseline in place.
        await tx.$executeRaw`
          UPDATE profiles p SET
            base_sessions = b.s, base_session_duration = b.sd, base_page_views = b.pv,
            base_purchase_count = b.pc, base_total_spent = b.ts, base_last_purchase_at = b.lp,
            sessions_count = p.sessions_count - p.base_sessions + b.s,
            total_session_duration = p.total_session_duration - p.base_session_duration + b.sd,
            page_views = p.page_views - p.base_page_views + b.pv,
            purchase_count = p.purchase_count - p.base_purchase_count + b.pc,
            total_spent = p.total_spent - p.base_total_spent + b.ts,
            last_purchase_at = CASE WHEN p.event_count = 0 THEN b.lp ELSE greatest(b.lp,
              (SELECT max(e.occurred_at) FROM events e WHERE e.user_id = p.user_id AND e.type = 'PURCHASE')) END,
            updated_at = now()
          FROM (
            SELECT q.user_id, s,
                   s * COALESCE(x."avgSessionDuration", CASE WHEN q.base_sessions > 0 THEN q.base_session_duration / q.base_sessions ELSE 0 END) AS sd,
                   s * COALESCE(x."pageViewsPerSession", CASE WHEN q.base_sessions > 0 THEN q.base_page_views / q.base_sessions ELSE 0 END) AS pv,
                   COALESCE(x.purchases, q.base_purchase_count) AS pc,
                   COALESCE(x."totalSpent", q.base_total_spent) AS ts,
                   COALESCE(x."lastPurchaseAt", q.base_last_purchase_at) AS lp
            FROM json_to_recordset(${json}::json) AS x("userId" text, sessions float8, "avgSessionDuration" float8,
                   "pageViewsPerSession" float8, "totalSpent" float8, purchases float8, "lastPurchaseAt" timestamptz)
            JOIN profiles q ON q.user_id = x."userId"
            CROSS JOIN LATERAL (SELECT COALESCE(x.sessions, q.base_sessions) AS s) AS s_
          ) b
          WHERE p.user_id = b.user_id`;
        await opts.afterProfilesChanged?.(fromPrisma(tx), rows.map((r) => r.userId));
        return upserted.filter((r) => r.inserted).length;
      },
      { timeout: 60_000, maxWait: 30_000 },
    ),
  );
  return { imported, updated: rows.length - imported, rejected };
}

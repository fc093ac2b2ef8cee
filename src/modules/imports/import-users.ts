// importUsers: upserts a warehouse user table as users with a baseline profile. The baseline is kept apart from
// what events add (profiles.base_*), so re-importing a user replaces its baseline without losing its events.
// Columns left out of a row keep their stored values.
import type { UserImportInput } from '../../generated/graphql.ts';
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import { withRetry } from '../../db/retry.ts';
import { badInput } from '../../errors.ts';
import { isRejection } from '../events/validate-event.ts';
import { upsertDemographics } from '../users/user-store.ts';
import { swapBaseline } from '../profiles/profile-store.ts';
import { writeSegments } from '../profiles/placements.ts';
import type { Placement } from '../profiles/placement.ts';
import type { MoneyConfig } from '../../config/portrait-config.ts';
import type { ProfilesChanged } from '../profiles/profiles-changed.ts';
import { MAX_USERS_PER_CALL, validateImport, type ImportRejectCode, type ValidImport } from './validate-import.ts';

interface RejectedUser {
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

interface ImportOptions {
  now?: Date;
  /** the currency: spend finer than its decimals is rejected */
  money: MoneyConfig;
  /** Keeps the segment of every imported user current, in the same transaction (wired at src/app/). */
  placement?: Placement;
  /** Keeps what depends on the profiles (audiences) current, in the same transaction (wired at src/app/). */
  profilesChanged?: ProfilesChanged;
}

export async function importUsers(db: Db, inputs: readonly UserImportInput[], opts: ImportOptions): Promise<ImportResult> {
  if (inputs.length > MAX_USERS_PER_CALL) throw badInput('users', `at most ${MAX_USERS_PER_CALL} rows per call, got ${inputs.length}`);
  const now = opts.now ?? new Date();
  const rejected: RejectedUser[] = [];
  const rows: ValidImport[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, index) => {
    const v = validateImport(input, now, opts.money);
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
  const imported = await withRetry(() =>
    db.$transaction(
      async (tx) => {
        const sql = fromPrisma(tx);
        // The active model first, as ingest takes it (see ingest-events.ts), then the users and their profiles.
        const placer = (await opts.placement?.(sql)) ?? null;
        const created = await upsertDemographics(sql, rows);
        const profiles = await swapBaseline(sql, rows);
        if (placer) await writeSegments(sql, profiles.map((p) => p.profile.userId), placer.place(profiles));
        await opts.profilesChanged?.(sql, profiles.map((p) => p.profile.userId), now);
        return created;
      },
      { timeout: 60_000, maxWait: 30_000 },
    ),
  );
  return { imported, updated: rows.length - imported, rejected };
}

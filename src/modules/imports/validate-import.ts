// Validation of one imported user row; each rule has a stable code.
import type { UserImportInput } from '../../generated/graphql.ts';
import { checkId } from '../events/validate-event.ts';
import type { Rejection } from '../events/validate-event.ts';
import type { Demographics } from '../users/user-store.ts';
import type { Baseline } from '../profiles/profile-store.ts';

export const MAX_USERS_PER_CALL = 10_000;
const DAY_MS = 86_400_000;

export type ImportRejectCode = 'INVALID_USER_ID' | 'DUPLICATE_USER_ID' | 'INVALID_AGE' | 'INVALID_GENDER' | 'INVALID_CITY_TIER' | 'INVALID_NUMBER';

/** A valid row: the user's demographics and its profile's baseline. */
export type ValidImport = Demographics & Baseline;

const NUMERIC = ['sessionsCount', 'avgSessionDuration', 'pageViewsPerSession', 'totalSpent', 'purchaseFrequency', 'lastPurchaseDays'] as const;

export function validateImport(u: UserImportInput, now: Date): ValidImport | Rejection<ImportRejectCode> {
  const idProblem = checkId(u.userId, 'userId');
  if (idProblem) return { code: 'INVALID_USER_ID', message: idProblem };
  if (u.age != null && (u.age < 0 || u.age > 130)) return { code: 'INVALID_AGE', message: 'age must be from 0 to 130' };
  if (u.gender != null && (u.gender.trim().length === 0 || u.gender.length > 32)) {
    return { code: 'INVALID_GENDER', message: 'gender must be 1-32 characters' };
  }
  if (u.cityTier != null && (u.cityTier < 1 || u.cityTier > 10)) return { code: 'INVALID_CITY_TIER', message: 'cityTier must be from 1 to 10' };
  for (const field of NUMERIC) {
    const v = u[field];
    if (v != null && !(Number.isFinite(v) && v >= 0)) return { code: 'INVALID_NUMBER', message: `${field} must be a finite number >= 0` };
  }
  return {
    userId: u.userId,
    age: u.age ?? null,
    gender: u.gender?.trim() ?? null,
    cityTier: u.cityTier ?? null,
    sessions: u.sessionsCount ?? null,
    avgSessionDuration: u.avgSessionDuration ?? null,
    pageViewsPerSession: u.pageViewsPerSession ?? null,
    totalSpent: u.totalSpent ?? null,
    purchases: u.purchaseFrequency ?? null,
    lastPurchaseAt: u.lastPurchaseDays != null ? new Date(now.getTime() - u.lastPurchaseDays * DAY_MS) : null,
  };
}

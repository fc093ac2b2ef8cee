// Validation of one imported user row; each rule has a stable code, and a row reports every problem it has.
import type { UserImportInput } from '../../generated/graphql.ts';
import { CITY_TIERS, IMPORT_BOUNDS, MAX_AGE } from '../../config/input-bounds.ts';
import { checkId } from '../users/check-text.ts';
import { boundProblem, moneyProblem, Problems, storedAmount, type Rejection } from '../events/validate-event.ts';
import type { MoneyConfig } from '../../config/portrait-config.ts';
import type { Demographics } from '../users/user-store.ts';
import type { Baseline } from '../profiles/profile-store.ts';

export const MAX_USERS_PER_CALL = 10_000;
const DAY_MS = 86_400_000;

export type ImportRejectCode = 'INVALID_USER_ID' | 'DUPLICATE_USER_ID' | 'INVALID_AGE' | 'INVALID_GENDER' | 'INVALID_CITY_TIER' | 'INVALID_NUMBER';

/** A valid row: the user's demographics and its profile's baseline. */
export type ValidImport = Demographics & Baseline;

/** The closed set of genders a profile holds. */
export type Gender = 'M' | 'F' | 'OTHER';

// What warehouses write for each (compared trimmed and case-insensitively); anything else is rejected, not stored as
// free text, so "male" and "M" are one group in the segment descriptions.
const GENDER_SPELLINGS: Record<string, Gender> = {
  m: 'M', male: 'M', man: 'M', '男': 'M',
  f: 'F', female: 'F', woman: 'F', '女': 'F',
  other: 'OTHER', o: 'OTHER', x: 'OTHER', 'non-binary': 'OTHER', nonbinary: 'OTHER', '其他': 'OTHER',
};

export const normaliseGender = (value: string): Gender | null => GENDER_SPELLINGS[value.trim().toLowerCase()] ?? null;

export function validateImport(u: UserImportInput, now: Date, money: MoneyConfig): ValidImport | Rejection<ImportRejectCode> {
  const problems = new Problems<ImportRejectCode>();
  problems.add('INVALID_USER_ID', checkId(u.userId, 'userId'));
  if (u.age != null && (u.age < 0 || u.age > MAX_AGE)) problems.add('INVALID_AGE', `age must be from 0 to ${MAX_AGE}`);
  const gender = u.gender != null ? normaliseGender(u.gender) : null;
  if (u.gender != null && gender === null) {
    problems.add('INVALID_GENDER', `gender must be M, F or OTHER (or male, female, other, 男, 女); got ${JSON.stringify(u.gender.slice(0, 32))}`);
  }
  if (u.cityTier != null && (u.cityTier < CITY_TIERS.min || u.cityTier > CITY_TIERS.max)) {
    problems.add('INVALID_CITY_TIER', `cityTier must be from ${CITY_TIERS.min} to ${CITY_TIERS.max}`);
  }
  for (const [field, max] of Object.entries(IMPORT_BOUNDS) as [keyof typeof IMPORT_BOUNDS, number][]) {
    problems.add('INVALID_NUMBER', field === 'totalSpent' ? moneyProblem(u[field], field, max, money) : boundProblem(u[field], field, max));
  }
  const rejection = problems.rejection();
  if (rejection) return rejection;
  return {
    userId: u.userId,
    age: u.age ?? null,
    gender,
    cityTier: u.cityTier ?? null,
    sessions: u.sessionsCount ?? null,
    avgSessionDuration: u.avgSessionDuration ?? null,
    pageViewsPerSession: u.pageViewsPerSession ?? null,
    totalSpent: storedAmount(u.totalSpent, money),
    purchases: u.purchaseFrequency ?? null,
    lastPurchaseAt: u.lastPurchaseDays != null ? new Date(now.getTime() - u.lastPurchaseDays * DAY_MS) : null,
  };
}

// Upper bounds of the numbers clients send, in one place (the README's table of input bounds lists them). Beyond them a
// value is a unit or encoding bug, not data, and it would poison everything downstream: sums overflow to Infinity
// (stored as null through JSON), and a single huge value makes the scaler's variance infinite, so training fails.
// With these bounds every running sum stays far below Number.MAX_VALUE (1e7 per order needs ~1e300 orders to overflow).

/** ingestEvents: a PURCHASE's amount, in the shop's currency */
export const MAX_AMOUNT = 10_000_000;
/** ingestEvents: a session's length or a page's dwell time, in seconds (one day) */
export const MAX_DURATION_SECONDS = 86_400;

/** importUsers: the numeric columns of a user row */
export const IMPORT_BOUNDS = {
  sessionsCount: 10_000_000,
  /** seconds (one day) */
  avgSessionDuration: 86_400,
  pageViewsPerSession: 10_000,
  totalSpent: 1_000_000_000_000,
  purchaseFrequency: 10_000_000,
  /** days (100 years) */
  lastPurchaseDays: 36_500,
} as const;

/** importUsers: age in years */
export const MAX_AGE = 130;
/** importUsers: China's common city tiers: 1 (first tier), 2 (new first tier), 3..6 (second to fifth tier) */
export const CITY_TIERS = { min: 1, max: 6 } as const;

/** ingestEvents: how deep `properties` may nest (objects and arrays), checked without recursion */
export const MAX_PROPERTIES_DEPTH = 32;

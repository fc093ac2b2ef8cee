// Money: amounts are stored exactly (PostgreSQL numeric with MONEY_SCALE decimals) and every amount that enters has at
// most the currency's decimals (config money.decimals: 2 for CNY/USD/EUR, 0 for JPY/KRW, 3 for KWD). In JavaScript
// they are doubles, which hold such values exactly enough that rounding every sum back to MONEY_SCALE decimals gives
// the exact decimal result (up to 2^53 / 10^4, about 9e11 currency units per sum, far above the input bounds' sums of
// a profile): 100.3 + 35.31 is 135.60999999999999 as a double, and 135.61 after addMoney.

/** Decimals the database keeps for every amount (numeric(20, 4)); the currency's own decimals are at most this. */
export const MONEY_SCALE = 4;

/**
 * x rounded half away from zero to `decimals` places (decimals <= MONEY_SCALE), as written in decimal: 1.005 is
 * 1.00499999999999989... as a double and 100.49999999999999 once scaled, so the scaled value is first cut to 15
 * significant digits (what a double holds exactly) before rounding, and 1.005 rounds to 1.01 as a person expects.
 */
export function roundMoney(x: number, decimals: number = MONEY_SCALE): number {
  const f = 10 ** decimals;
  const r = Math.round(Number((Math.abs(x) * f).toPrecision(15))) / f;
  return x < 0 ? -r : r;
}

/** a + b for amounts of at most MONEY_SCALE decimals, exact in decimal. */
export const addMoney = (a: number, b: number): number => roundMoney(a + b);

/**
 * Whether x has at most `decimals` decimal places, allowing for the double it arrived as: 19.99 is 19.989999999999998
 * in binary, and a client that summed prices may send 135.60999999999999; both are whole cents. 19.999 is not.
 */
export function hasAtMostDecimals(x: number, decimals: number): boolean {
  const scaled = x * 10 ** decimals;
  // a millionth of a minor unit, or a few units in the last place of a large value, whichever is larger
  return Math.abs(scaled - Math.round(scaled)) <= Math.max(1e-6, 16 * Number.EPSILON * Math.abs(scaled));
}

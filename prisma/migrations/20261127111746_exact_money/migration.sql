-- Money is exact (issue 11, item 7): amounts and spend totals were double precision, so sums drifted
-- (135.60999999999999). numeric(20, 4) holds every currency's minor units (config money.decimals <= 4) exactly;
-- existing values are rounded to 4 decimals, which removes the binary noise of sums made so far.
ALTER TABLE "events" ALTER COLUMN "amount" TYPE DECIMAL(20, 4) USING round("amount"::numeric, 4);
ALTER TABLE "profiles"
  ALTER COLUMN "total_spent" TYPE DECIMAL(20, 4) USING round("total_spent"::numeric, 4),
  ALTER COLUMN "base_total_spent" TYPE DECIMAL(20, 4) USING round("base_total_spent"::numeric, 4);

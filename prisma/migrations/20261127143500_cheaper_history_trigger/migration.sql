-- Written by hand (no schema change): record_segment_moves (migration segment_lineage) returns at once when no row of
-- the UPDATE changed its segment.
--
-- Why: the trigger fires for every UPDATE of profiles, and most of them (every ingest batch's aggregates, every
-- recount, every import) move nobody. Its statements then found nothing, but each still ran, as did the outbox triggers
-- their (empty) DELETE, UPDATE and INSERT on segment_memberships fire in turn: seven statements per UPDATE of profiles.
-- A WHEN clause cannot say this (a statement-level trigger cannot look at rows, and transition tables cannot be used
-- with a column list), so the function checks first. The check is a set difference, hashed in one pass over each
-- transition table (an UPDATE lists every user once in both, and EXCEPT treats NULLs as equal): a join written as
-- EXISTS let the planner take a nested loop over the two unindexed tables, quadratic in the rows (an import of 10,000
-- users took over 10 s in it).
CREATE OR REPLACE FUNCTION "record_segment_moves"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT "user_id", "segment_id" FROM old_profiles
    EXCEPT
    SELECT "user_id", "segment_id" FROM new_profiles) THEN
    RETURN NULL;
  END IF;
  -- Closing first: the insert below would otherwise meet the open stay on the one-open-stay-per-user index.
  WITH leaving AS (
    SELECT o."user_id" FROM old_profiles o
    JOIN new_profiles n ON n."user_id" = o."user_id"
    JOIN "segments" os ON os."id" = o."segment_id"
    LEFT JOIN "segments" ns ON ns."id" = n."segment_id"
    WHERE o."segment_id" IS DISTINCT FROM n."segment_id" AND os."lineage" IS DISTINCT FROM ns."lineage"),
  dropped AS (
    DELETE FROM "segment_memberships" m USING leaving l
    WHERE m."user_id" = l."user_id" AND m."exited_at" IS NULL AND m.xmin = pg_current_xact_id()::xid
    RETURNING m."id")
  UPDATE "segment_memberships" m SET "exited_at" = now() FROM leaving l
  WHERE m."user_id" = l."user_id" AND m."exited_at" IS NULL AND m."id" NOT IN (SELECT "id" FROM dropped);
  INSERT INTO "segment_memberships" ("user_id", "segment_id", "lineage", "entered_at")
  SELECT n."user_id", n."segment_id", ns."lineage", now()
  FROM old_profiles o
  JOIN new_profiles n ON n."user_id" = o."user_id"
  JOIN "segments" ns ON ns."id" = n."segment_id"
  LEFT JOIN "segments" os ON os."id" = o."segment_id"
  WHERE o."segment_id" IS DISTINCT FROM n."segment_id" AND os."lineage" IS DISTINCT FROM ns."lineage";
  RETURN NULL;
END
$$;

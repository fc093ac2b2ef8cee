-- The outbox rows of segment moves are written by the history rule itself, and every writer of the outbox wakes the
-- listeners itself, instead of statement-level triggers with transition tables.
--
-- Why: at a first activation a million stays are opened; the trigger on segment_memberships kept them all in a
-- transition table (a tuplestore spilled to disk) only to copy them into the outbox, and the notification trigger on
-- membership_changes kept the million outbox rows again only to find their lowest and highest id. The rule has the
-- rows at hand: it writes the outbox rows from the stays it closes and opens (RETURNING) in the same statements, and
-- notifies once with their id range. What the triggers did is kept: an entry per stay opened, an exit per stay closed,
-- a stay opened and dropped in one transaction takes its entry back, one notification per writing statement naming
-- the transaction and the id range (listeners only need the wake-up, src/modules/notifications/membership-feed.ts).

DROP TRIGGER "segment_memberships_outbox_insert" ON "segment_memberships";
DROP TRIGGER "segment_memberships_outbox_update" ON "segment_memberships";
DROP TRIGGER "segment_memberships_outbox_delete" ON "segment_memberships";
DROP FUNCTION "outbox_segment_entries"();
DROP FUNCTION "outbox_segment_exits"();
DROP FUNCTION "outbox_segment_dropped"();
DROP TRIGGER "membership_changes_notify" ON "membership_changes";
DROP FUNCTION "outbox_notify"();

-- Wakes the listeners of every process at commit: the transaction and the id range a statement wrote (ids of
-- concurrent transactions interleave). Nothing when it wrote none.
CREATE FUNCTION "notify_membership_changes"(lo bigint, hi bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF lo IS NOT NULL THEN
    PERFORM pg_notify('membership_changes', json_build_object('txid', pg_current_xact_id()::text, 'from', lo, 'to', hi)::text);
  END IF;
END
$$;

-- The history rule (migration segment_placements), now writing the outbox: see there for what it is given.
CREATE OR REPLACE FUNCTION "record_placement_moves_of"(user_ids text[], segment_ids uuid[], lineages uuid[], old_lineages uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  -- users who were placed before
  leaving text[] := ARRAY(SELECT m."user_id" FROM unnest(user_ids, old_lineages) AS m("user_id", "old_lineage")
                          WHERE m."old_lineage" IS NOT NULL);
  lo bigint;
  hi bigint;
  lo2 bigint;
  hi2 bigint;
BEGIN
  -- Their stay opened earlier in this transaction (never visible to anyone) is dropped with its entry; any other open
  -- stay is closed, with an exit. Closing comes before opening: the insert would otherwise meet the open stay on the
  -- one-open-stay-per-user index. Open stays are found by key (user_id = ANY: the open-stay index), not by a join the
  -- planner may hash over every stay ever written.
  IF cardinality(leaving) > 0 THEN
    WITH dropped AS (
      DELETE FROM "segment_memberships" s
      WHERE s."user_id" = ANY (leaving) AND s."exited_at" IS NULL AND s.xmin = pg_current_xact_id()::xid
      RETURNING s."user_id", s."lineage")
    DELETE FROM "membership_changes" c USING dropped d
    WHERE c."txid" = pg_current_xact_id() AND c."kind" = 'SEGMENT' AND c."entered"
      AND c."user_id" = d."user_id" AND c."target_id" = d."lineage";
    WITH closed AS (
      UPDATE "segment_memberships" s SET "exited_at" = now()
      WHERE s."user_id" = ANY (leaving) AND s."exited_at" IS NULL
      RETURNING s."user_id", s."lineage", s."exited_at"),
    exits AS (
      INSERT INTO "membership_changes" ("user_id", "kind", "target_id", "entered", "at")
      SELECT c."user_id", 'SEGMENT', c."lineage", false, c."exited_at" FROM closed c
      RETURNING "id")
    SELECT min("id"), max("id") INTO lo, hi FROM exits;
  END IF;
  WITH opened AS (
    INSERT INTO "segment_memberships" ("user_id", "segment_id", "lineage", "entered_at")
    SELECT m."user_id", m."segment_id", m."lineage", now()
    FROM unnest(user_ids, segment_ids, lineages) AS m("user_id", "segment_id", "lineage")
    WHERE m."segment_id" IS NOT NULL
    RETURNING "user_id", "lineage", "entered_at"),
  entries AS (
    INSERT INTO "membership_changes" ("user_id", "kind", "target_id", "entered", "at")
    SELECT o."user_id", 'SEGMENT', o."lineage", true, o."entered_at" FROM opened o
    RETURNING "id")
  SELECT min("id"), max("id") INTO lo2, hi2 FROM entries;
  PERFORM "notify_membership_changes"(LEAST(lo, lo2), GREATEST(hi, hi2));
END
$$;

-- A deleted segment's users leave (migration segment_placements), now with their exits written here.
CREATE OR REPLACE FUNCTION "unplace_deleted_segments"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lo bigint;
  hi bigint;
BEGIN
  WITH unplaced AS (
    DELETE FROM "segment_placements" pl USING (SELECT DISTINCT "lineage" FROM old_segments) o
    WHERE pl."lineage" = o."lineage"
      AND NOT EXISTS (SELECT 1 FROM "segments" s JOIN "segmentation_models" m ON m."id" = s."model_id" AND m."active"
                      WHERE s."lineage" = pl."lineage")
    RETURNING pl."user_id"),
  closed AS (
    UPDATE "segment_memberships" m SET "exited_at" = now() FROM unplaced u
    WHERE m."user_id" = u."user_id" AND m."exited_at" IS NULL
    RETURNING m."user_id", m."lineage", m."exited_at"),
  exits AS (
    INSERT INTO "membership_changes" ("user_id", "kind", "target_id", "entered", "at")
    SELECT c."user_id", 'SEGMENT', c."lineage", false, c."exited_at" FROM closed c
    RETURNING "id")
  SELECT min("id"), max("id") INTO lo, hi FROM exits;
  PERFORM "notify_membership_changes"(lo, hi);
  RETURN NULL;
END
$$;

-- Audience changes reach the outbox as before (trigger on audience_membership_changes), and now notify themselves.
CREATE OR REPLACE FUNCTION "outbox_audience_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lo bigint;
  hi bigint;
BEGIN
  WITH changes AS (
    INSERT INTO "membership_changes" ("user_id", "kind", "target_id", "entered", "at")
    SELECT n."user_id", 'AUDIENCE', n."audience_id", n."entered", n."at" FROM new_changes n
    RETURNING "id")
  SELECT min("id"), max("id") INTO lo, hi FROM changes;
  PERFORM "notify_membership_changes"(lo, hi);
  RETURN NULL;
END
$$;

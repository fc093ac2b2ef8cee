-- DropForeignKey
ALTER TABLE "profiles" DROP CONSTRAINT "profiles_segment_id_fkey";

-- DropForeignKey
ALTER TABLE "segment_training_members" DROP CONSTRAINT "segment_training_members_user_id_fkey";

-- DropForeignKey
ALTER TABLE "segment_memberships" DROP CONSTRAINT "segment_memberships_user_id_fkey";

-- Written by hand below (Prisma's schema language cannot say these).
--
-- Why: a retrain that activates its model places every user at once. At 1,000,000 users its save spent most of its
-- time in per-row work that a set-wise statement does once: the foreign-key checks above (one SPI query and one row
-- lock per written row: profiles.segment_id -> segments, training members and stays -> users), and the history
-- trigger's transition tables, which hold two copies of every updated profile row (the wide row, not the two columns
-- the trigger reads) only to find who moved. What the constraints and the trigger did is kept:

-- Erasure: deleting users deletes their training memberships and stays, once per statement (what ON DELETE CASCADE
-- did per row). Writers of these rows hold a lock that a user's deletion waits for: the profile row they update
-- (a stay is written only with its profile's segment) or, for training members, a FOR KEY SHARE lock on the users
-- the save writes (training-members.ts); a deletion that comes after them finds their rows here, committed.
CREATE FUNCTION "erase_segment_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "segment_training_members" m USING old_users o WHERE m."user_id" = o."id";
  DELETE FROM "segment_memberships" m USING old_users o WHERE m."user_id" = o."id";
  RETURN NULL;
END
$$;
CREATE TRIGGER "users_erase_segment_rows" AFTER DELETE ON "users"
REFERENCING OLD TABLE AS old_users FOR EACH STATEMENT EXECUTE FUNCTION "erase_segment_rows"();

-- A deleted segment unplaces its users (what ON DELETE SET NULL did; segments are not deleted today, but a model
-- deleted by hand takes its segments along) and closes their open stays (the segment is gone, so the history rule
-- could not tell its lineage; a stay left open would block the user's next one).
CREATE FUNCTION "unplace_deleted_segments"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH unplaced AS (
    UPDATE "profiles" p SET "segment_id" = NULL FROM old_segments o WHERE p."segment_id" = o."id" RETURNING p."user_id")
  UPDATE "segment_memberships" m SET "exited_at" = now() FROM unplaced u
  WHERE m."user_id" = u."user_id" AND m."exited_at" IS NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER "segments_unplace_profiles" AFTER DELETE ON "segments"
REFERENCING OLD TABLE AS old_segments FOR EACH STATEMENT EXECUTE FUNCTION "unplace_deleted_segments"();

-- The history rule, in one place: given who moved (user, new segment, old segment; every row a change of segment),
-- a move to another lineage closes the open stay and opens one in the new lineage (none when the user is left in no
-- segment); a retrain that keeps the user's lineage records nothing. A user with no segment before has no open stay,
-- so only users who had one are looked up to close it. A stay opened earlier in the same transaction (a batch that
-- places a user, then re-places it after recounting its sessions) was never visible to anyone: it is dropped rather
-- than closed at the instant it began. Closing comes first: the insert would otherwise meet the open stay on the
-- one-open-stay-per-user index.
CREATE FUNCTION "record_segment_moves_of"(user_ids text[], segment_ids uuid[], old_segments uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  WITH moved AS (
    SELECT * FROM unnest(user_ids, segment_ids, old_segments) AS m("user_id", "segment_id", "old_segment")),
  leaving AS (
    SELECT m."user_id" FROM moved m
    JOIN "segments" os ON os."id" = m."old_segment"
    LEFT JOIN "segments" ns ON ns."id" = m."segment_id"
    WHERE os."lineage" IS DISTINCT FROM ns."lineage"),
  dropped AS (
    DELETE FROM "segment_memberships" s USING leaving l
    WHERE s."user_id" = l."user_id" AND s."exited_at" IS NULL AND s.xmin = pg_current_xact_id()::xid
    RETURNING s."id")
  UPDATE "segment_memberships" s SET "exited_at" = now() FROM leaving l
  WHERE s."user_id" = l."user_id" AND s."exited_at" IS NULL AND s."id" NOT IN (SELECT "id" FROM dropped);
  INSERT INTO "segment_memberships" ("user_id", "segment_id", "lineage", "entered_at")
  SELECT m."user_id", m."segment_id", ns."lineage", now()
  FROM unnest(user_ids, segment_ids, old_segments) AS m("user_id", "segment_id", "old_segment")
  JOIN "segments" ns ON ns."id" = m."segment_id"
  LEFT JOIN "segments" os ON os."id" = m."old_segment"
  WHERE os."lineage" IS DISTINCT FROM ns."lineage";
END
$$;

-- The writers of profiles.segment_id hand their moves to the rule themselves (src/modules/profiles/profile-store.ts:
-- an UPDATE ... RETURNING of who moved, to which segment and from which, in the same statement), so the trigger that
-- found the moves goes. Its transition tables held two copies of every updated profile row, of every UPDATE of
-- profiles (each ingest batch, a recount, a text rescore, a million rows at an activation), only to find who moved.
DROP TRIGGER "profiles_record_segment_moves" ON "profiles";
DROP FUNCTION "record_segment_moves"();

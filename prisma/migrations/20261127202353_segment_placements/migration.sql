-- A retrain writes less: placements move out of the wide profile row into a narrow table of (user, lineage), training
-- members are stored as chunks, and the history rule writes the outbox itself. Three parts below.
--
-- 1. Placements move out of the wide profile row into a narrow table of (user, lineage).
--
-- Why: a retrain that activates its model rewrote every profile row (the whole wide row, and both of its indexes, since
-- segment_id was indexed) although a retrain that finds the same groups keeps almost every user's lineage, so nothing
-- a reader could see had changed but the segment id. A placement now names the lineage of the user's segment; the
-- segment is the active model's segment of that lineage (segments gets a unique (model_id, lineage): the lineage
-- matching is one-to-one, see src/modules/segmentation/lineage.ts). A retrain writes only the users whose lineage
-- changed, and a first activation writes narrow rows (measured at 1,000,000 users: 4.5 s for the rows against 10.9 s
-- for the profile UPDATE; docs/scaling.md).

-- CreateTable
CREATE TABLE "segment_placements" (
    "user_id" TEXT NOT NULL,
    "lineage" UUID NOT NULL,

    CONSTRAINT "segment_placements_pkey" PRIMARY KEY ("user_id")
);

-- Written by hand: the placements of today's profiles (profiles.segment_id only ever held the active model's segments).
INSERT INTO "segment_placements" ("user_id", "lineage")
SELECT p."user_id", s."lineage" FROM "profiles" p JOIN "segments" s ON s."id" = p."segment_id";

-- CreateIndex
CREATE INDEX "segment_placements_lineage_user_id_idx" ON "segment_placements"("lineage", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "segments_model_id_lineage_key" ON "segments"("model_id", "lineage");

-- DropIndex
DROP INDEX "profiles_segment_id_user_id_idx";

-- AlterTable
ALTER TABLE "profiles" DROP COLUMN "segment_id";

-- Indexes no reader uses, each written once per row (a million times at a first activation):
-- a user's history is read newest first by the key (user_id, id) (src/modules/segmentation/segment-history.ts);
-- nothing looks a stay up by id alone; the outbox is read by (txid, id) only (the notification feed and the webhook
-- fan-out), never by target or by id alone.

-- DropIndex
DROP INDEX "segment_memberships_user_id_entered_at_idx";

-- DropIndex
DROP INDEX "segment_memberships_id_idx";

-- DropIndex
DROP INDEX "membership_changes_target_id_id_idx";

-- DropIndex
DROP INDEX "membership_changes_id_idx";

-- 2. Training members as chunks: the users a model was trained on, with each one's segment index, a row per run of up to
-- 1,000 user ids in order instead of a row per user.
--
-- Why: writing a row per user (with the key (segment_id, user_id) and the index (user_id)) was the largest write of a
-- retrain that keeps its lineages: ~6 s of its save at 1,000,000 users, for rows that are only ever read a whole model
-- (or a segment) at a time. Chunked, the same million is a thousand rows (~4 MB against ~100 MB), written in ~1.5 s.

-- CreateTable
CREATE TABLE "training_member_chunks" (
    "model_id" UUID NOT NULL,
    "first_user" TEXT NOT NULL,
    "last_user" TEXT NOT NULL,
    "user_ids" TEXT[] NOT NULL,
    "labels" SMALLINT[] NOT NULL,

    CONSTRAINT "training_member_chunks_pkey" PRIMARY KEY ("model_id","first_user")
);

-- AddForeignKey
ALTER TABLE "training_member_chunks" ADD CONSTRAINT "training_member_chunks_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "segmentation_models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand: the stored models' members, chunked as the save chunks them (training-members.ts).
INSERT INTO "training_member_chunks" ("model_id", "first_user", "last_user", "user_ids", "labels")
SELECT model_id, min(user_id), max(user_id), array_agg(user_id ORDER BY user_id), array_agg(label ORDER BY user_id)
FROM (SELECT s."model_id", m."user_id", s."index"::smallint AS label,
             (row_number() OVER (PARTITION BY s."model_id" ORDER BY m."user_id") - 1) / 1000 AS chunk
      FROM "segment_training_members" m JOIN "segments" s ON s."id" = m."segment_id") x
GROUP BY model_id, chunk;

-- DropTable
DROP TABLE "segment_training_members";

-- Erasure: the erased users leave the chunks whose range holds them (one per model at most); the chunk keeps its
-- bounds (they only narrow the search). Their stays and placements go too (once per statement, as migration
-- bulk_placement deleted training members and stays).
CREATE OR REPLACE FUNCTION "erase_segment_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "training_member_chunks" c
  SET ("user_ids", "labels") = (
    SELECT COALESCE(array_agg(m."user_id" ORDER BY m.n), '{}'), COALESCE(array_agg(m."label" ORDER BY m.n), '{}')
    FROM unnest(c."user_ids", c."labels") WITH ORDINALITY AS m("user_id", "label", n)
    WHERE m."user_id" NOT IN (SELECT o."id" FROM old_users o))
  WHERE EXISTS (SELECT 1 FROM old_users o WHERE o."id" BETWEEN c."first_user" AND c."last_user");
  DELETE FROM "segment_memberships" m USING old_users o WHERE m."user_id" = o."id";
  DELETE FROM "segment_placements" m USING old_users o WHERE m."user_id" = o."id";
  RETURN NULL;
END
$$;

-- A save writes chunks (and an activation places everyone) without holding its users: a FOR KEY SHARE lock on a
-- million users rows cost ~2 s. Instead an advisory lock (key 72707372) keeps erasures and these bulk writes apart: the
-- writers take it exclusively, in a statement of their own just before they write, and hold it to COMMIT
-- (src/db/erasure-lock.ts); an erasure takes it shared, before it deletes anything. So an erasure that comes while a
-- save writes waits for the commit and its trigger above then sees the chunks and placements; a writer that comes
-- while an erasure runs waits for it, and its INSERT (a later statement, with a later snapshot) no longer finds the
-- erased users. Erasures do not wait for one another; bulk writers take turns. Taken before any row is locked on
-- either side, so neither waits for the other while holding what the other needs.
CREATE FUNCTION "wait_for_bulk_writes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(72707372);
  RETURN NULL;
END
$$;
CREATE TRIGGER "users_wait_for_bulk_writes" BEFORE DELETE ON "users"
FOR EACH STATEMENT EXECUTE FUNCTION "wait_for_bulk_writes"();

-- 3. The outbox rows of segment moves are written by the history rule itself, and every writer of the outbox wakes the
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

-- The history rule, given who moved: (user, the segment entered or null when unplaced, its lineage, the lineage left
-- or null when the user was not placed); every row a change of lineage (the placement writer passes only those). A
-- move closes the open stay and opens one in the new lineage (none when unplaced), each with its outbox row. Users who
-- were not placed have no open stay to close, so a first activation only inserts.
CREATE FUNCTION "record_placement_moves_of"(user_ids text[], segment_ids uuid[], lineages uuid[], old_lineages uuid[]) RETURNS void
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

-- A deleted segment unplaces the users of its lineage, unless the active model still has a segment of that lineage (a
-- stored model deleted by hand shares lineages with the active one), and closes their open stays, with their exits.
ALTER TRIGGER "segments_unplace_profiles" ON "segments" RENAME TO "segments_unplace_users";
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

-- The profile's history rule (migration bulk_placement) has no caller left.
DROP FUNCTION "record_segment_moves_of"(text[], uuid[], uuid[]);

-- Placements move out of the wide profile row into a narrow table of (user, lineage).
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

-- Written by hand below (Prisma's schema language cannot say these).

-- Erasure deletes the user's placement too (as for its stays and training memberships, once per statement). Writers
-- of a placement hold a lock an erasure waits for: the profile row (live placement, the refresh, the backfill) or a
-- FOR KEY SHARE lock on the user (bulk placement, src/modules/profiles/placements.ts).
CREATE OR REPLACE FUNCTION "erase_segment_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "segment_training_members" m USING old_users o WHERE m."user_id" = o."id";
  DELETE FROM "segment_memberships" m USING old_users o WHERE m."user_id" = o."id";
  DELETE FROM "segment_placements" m USING old_users o WHERE m."user_id" = o."id";
  RETURN NULL;
END
$$;

-- A deleted segment unplaces the users of its lineage, unless the active model still has a segment of that lineage (a
-- stored model deleted by hand shares lineages with the active one), and closes their open stays, as before.
ALTER TRIGGER "segments_unplace_profiles" ON "segments" RENAME TO "segments_unplace_users";
CREATE OR REPLACE FUNCTION "unplace_deleted_segments"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH unplaced AS (
    DELETE FROM "segment_placements" pl USING (SELECT DISTINCT "lineage" FROM old_segments) o
    WHERE pl."lineage" = o."lineage"
      AND NOT EXISTS (SELECT 1 FROM "segments" s JOIN "segmentation_models" m ON m."id" = s."model_id" AND m."active"
                      WHERE s."lineage" = pl."lineage")
    RETURNING pl."user_id")
  UPDATE "segment_memberships" m SET "exited_at" = now() FROM unplaced u
  WHERE m."user_id" = u."user_id" AND m."exited_at" IS NULL;
  RETURN NULL;
END
$$;

-- The history rule, given who moved: (user, the segment entered or null when unplaced, its lineage, the lineage left
-- or null when the user was not placed); every row a change of lineage (the placement writer passes only those). A
-- move closes the open stay and opens one in the new lineage (none when unplaced). A stay opened earlier in the same
-- transaction (a batch that places a user, then re-places it after recounting its sessions) was never visible to
-- anyone: it is dropped rather than closed at the instant it began. Closing comes first: the insert would otherwise
-- meet the open stay on the one-open-stay-per-user index. Users who were not placed have no open stay to close, so a
-- first activation only inserts.
CREATE FUNCTION "record_placement_moves_of"(user_ids text[], segment_ids uuid[], lineages uuid[], old_lineages uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  WITH leaving AS (
    SELECT m."user_id" FROM unnest(user_ids, old_lineages) AS m("user_id", "old_lineage") WHERE m."old_lineage" IS NOT NULL),
  dropped AS (
    DELETE FROM "segment_memberships" s USING leaving l
    WHERE s."user_id" = l."user_id" AND s."exited_at" IS NULL AND s.xmin = pg_current_xact_id()::xid
    RETURNING s."id")
  UPDATE "segment_memberships" s SET "exited_at" = now() FROM leaving l
  WHERE s."user_id" = l."user_id" AND s."exited_at" IS NULL AND s."id" NOT IN (SELECT "id" FROM dropped);
  INSERT INTO "segment_memberships" ("user_id", "segment_id", "lineage", "entered_at")
  SELECT m."user_id", m."segment_id", m."lineage", now()
  FROM unnest(user_ids, segment_ids, lineages) AS m("user_id", "segment_id", "lineage")
  WHERE m."segment_id" IS NOT NULL;
END
$$;

DROP FUNCTION "record_segment_moves_of"(text[], uuid[], uuid[]);

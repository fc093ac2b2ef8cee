-- AlterTable
ALTER TABLE "segments" ADD COLUMN     "lineage" UUID NOT NULL DEFAULT gen_random_uuid();

-- CreateTable
CREATE TABLE "segment_training_members" (
    "segment_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,

    CONSTRAINT "segment_training_members_pkey" PRIMARY KEY ("segment_id","user_id")
);

-- CreateTable
CREATE TABLE "segment_memberships" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "segment_id" UUID NOT NULL,
    "lineage" UUID NOT NULL,
    "entered_at" TIMESTAMPTZ(3) NOT NULL,
    "exited_at" TIMESTAMPTZ(3),

    CONSTRAINT "segment_memberships_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "segment_training_members_user_id_idx" ON "segment_training_members"("user_id");

-- CreateIndex
CREATE INDEX "segment_memberships_user_id_entered_at_idx" ON "segment_memberships"("user_id", "entered_at");

-- CreateIndex
CREATE INDEX "segments_lineage_idx" ON "segments"("lineage");

-- AddForeignKey
ALTER TABLE "segment_training_members" ADD CONSTRAINT "segment_training_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_memberships" ADD CONSTRAINT "segment_memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand below (Prisma's schema language cannot say these).

-- At most one open stay per user.
CREATE UNIQUE INDEX "segment_memberships_open_user_id_key" ON "segment_memberships"("user_id") WHERE "exited_at" IS NULL;

-- Every existing segment got its own new lineage from the column's default above. Users already placed start their
-- history now: when they entered their segment was not recorded.
INSERT INTO "segment_memberships" ("user_id", "segment_id", "lineage", "entered_at")
SELECT p."user_id", p."segment_id", s."lineage", now()
FROM "profiles" p JOIN "segments" s ON s."id" = p."segment_id";

-- Who a model trained before this migration was trained on was not recorded. For the active model its current
-- members stand in, so the first retrain after the upgrade can still keep its lineages; older models list none.
INSERT INTO "segment_training_members" ("segment_id", "user_id")
SELECT p."segment_id", p."user_id"
FROM "profiles" p JOIN "segments" s ON s."id" = p."segment_id" JOIN "segmentation_models" m ON m."id" = s."model_id"
WHERE m."active";

-- Membership history, written in the statement that changes profiles.segment_id, whichever writer runs it (ingest,
-- import, activation, schedules), so it commits or rolls back with the assignment and costs no extra round trip.
-- Statement-level with transition tables: one set-based pass per UPDATE, not one call per row. A move within one
-- lineage (a retrain that keeps the user's group) records nothing; a move to another lineage closes the open stay and
-- opens one in the new lineage (none when the user is left in no segment). A user with no segment before has no open
-- stay, so only users who had one are looked up to close it (a first activation only inserts). A stay opened earlier
-- in the same transaction (a batch that places a user, then re-places it after recounting its sessions) was never
-- visible to anyone: it is dropped rather than closed at the instant it began.
CREATE FUNCTION "record_segment_moves"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

CREATE TRIGGER "profiles_record_segment_moves" AFTER UPDATE ON "profiles"
REFERENCING OLD TABLE AS old_profiles NEW TABLE AS new_profiles
FOR EACH STATEMENT EXECUTE FUNCTION "record_segment_moves"();

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
CREATE INDEX "segment_memberships_segment_id_idx" ON "segment_memberships"("segment_id");

-- CreateIndex
CREATE INDEX "segments_lineage_idx" ON "segments"("lineage");

-- AddForeignKey
ALTER TABLE "segment_training_members" ADD CONSTRAINT "segment_training_members_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_training_members" ADD CONSTRAINT "segment_training_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_memberships" ADD CONSTRAINT "segment_memberships_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segment_memberships" ADD CONSTRAINT "segment_memberships_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE CASCADE ON UPDATE CASCADE;

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
-- opens one in the new lineage (none when the user is left in no segment). A stay opened earlier in the same
-- transaction (a batch that places a user, then re-places it after recounting its sessions) was never visible to
-- anyone: it is dropped rather than closed at the instant it began.
CREATE FUNCTION "record_segment_moves"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moved_users text[];
  moved_segments uuid[];
  moved_lineages uuid[];
BEGIN
  SELECT array_agg(n."user_id"), array_agg(n."segment_id"), array_agg(ns."lineage")
  INTO moved_users, moved_segments, moved_lineages
  FROM old_profiles o
  JOIN new_profiles n ON n."user_id" = o."user_id"
  LEFT JOIN "segments" os ON os."id" = o."segment_id"
  LEFT JOIN "segments" ns ON ns."id" = n."segment_id"
  WHERE o."segment_id" IS DISTINCT FROM n."segment_id" AND os."lineage" IS DISTINCT FROM ns."lineage";
  IF moved_users IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM "segment_memberships"
  WHERE "user_id" = ANY (moved_users) AND "exited_at" IS NULL AND xmin = pg_current_xact_id()::xid;
  UPDATE "segment_memberships" SET "exited_at" = now()
  WHERE "user_id" = ANY (moved_users) AND "exited_at" IS NULL;
  INSERT INTO "segment_memberships" ("user_id", "segment_id", "lineage", "entered_at")
  SELECT x.u, x.s, x.l, now() FROM unnest(moved_users, moved_segments, moved_lineages) AS x(u, s, l) WHERE x.s IS NOT NULL;
  RETURN NULL;
END
$$;

CREATE TRIGGER "profiles_record_segment_moves" AFTER UPDATE ON "profiles"
REFERENCING OLD TABLE AS old_profiles NEW TABLE AS new_profiles
FOR EACH STATEMENT EXECUTE FUNCTION "record_segment_moves"();

-- DropIndex
DROP INDEX "audience_membership_changes_user_id_idx";

-- AlterTable
ALTER TABLE "segment_memberships" DROP CONSTRAINT "segment_memberships_pkey",
ADD CONSTRAINT "segment_memberships_pkey" PRIMARY KEY ("user_id", "id");

-- AlterTable
ALTER TABLE "audience_membership_changes" DROP CONSTRAINT "audience_membership_changes_pkey",
ADD CONSTRAINT "audience_membership_changes_pkey" PRIMARY KEY ("user_id", "id");

-- AlterTable
ALTER TABLE "membership_changes" DROP CONSTRAINT "membership_changes_pkey",
ADD CONSTRAINT "membership_changes_pkey" PRIMARY KEY ("user_id", "id");

-- CreateIndex
CREATE INDEX "segment_memberships_id_idx" ON "segment_memberships"("id");

-- CreateIndex
CREATE INDEX "audience_membership_changes_id_idx" ON "audience_membership_changes"("id");

-- CreateIndex
CREATE INDEX "membership_changes_id_idx" ON "membership_changes"("id");

-- Why (written by hand): every unique key of a per-user table holds user_id, the column these tables are distributed
-- by on Citus (docs/scaling.md). The ids come from sequences, so they stay unique on their own; the plain index on id
-- keeps the readers that look rows up or page by id (the outbox, history) as fast as the old key did.
-- audience_membership_changes(user_id) is dropped: the new key leads with user_id and serves the same lookups.

-- CreateTable
CREATE TABLE "audiences" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "rule" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audiences_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audience_members" (
    "audience_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "entered_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audience_members_pkey" PRIMARY KEY ("audience_id","user_id")
);

-- CreateTable
CREATE TABLE "audience_membership_changes" (
    "id" BIGSERIAL NOT NULL,
    "audience_id" UUID NOT NULL,
    "user_id" TEXT NOT NULL,
    "entered" BOOLEAN NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "audience_membership_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audience_generation" (
    "id" INTEGER NOT NULL,
    "generation" BIGINT NOT NULL,

    CONSTRAINT "audience_generation_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audience_members_user_id_idx" ON "audience_members"("user_id");

-- CreateIndex
CREATE INDEX "audience_membership_changes_audience_id_id_idx" ON "audience_membership_changes"("audience_id", "id");

-- CreateIndex
CREATE INDEX "audience_membership_changes_user_id_idx" ON "audience_membership_changes"("user_id");

-- AddForeignKey
ALTER TABLE "audience_members" ADD CONSTRAINT "audience_members_audience_id_fkey" FOREIGN KEY ("audience_id") REFERENCES "audiences"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audience_members" ADD CONSTRAINT "audience_members_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audience_membership_changes" ADD CONSTRAINT "audience_membership_changes_audience_id_fkey" FOREIGN KEY ("audience_id") REFERENCES "audiences"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audience_membership_changes" ADD CONSTRAINT "audience_membership_changes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The generation row the live evaluation share-locks (src/modules/audiences/live.ts).
INSERT INTO "audience_generation" ("id", "generation") VALUES (1, 0);

-- AlterTable
ALTER TABLE "jobs" ADD COLUMN     "dedupe_key" TEXT;

-- CreateTable
CREATE TABLE "population_stats" (
    "id" TEXT NOT NULL,
    "label_thresholds" JSONB NOT NULL,
    "rfm_cuts" JSONB NOT NULL,
    "population" INTEGER NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "population_stats_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "jobs_dedupe_key_key" ON "jobs"("dedupe_key");

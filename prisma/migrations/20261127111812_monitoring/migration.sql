-- AlterTable
ALTER TABLE "segmentation_models" ADD COLUMN     "feature_bins" JSONB;

-- CreateTable
CREATE TABLE "operation_minutes" (
    "minute" TIMESTAMPTZ(3) NOT NULL,
    "process_id" TEXT NOT NULL,
    "operations" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "latency_sum_ms" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latency_buckets" INTEGER[],
    "events" INTEGER NOT NULL DEFAULT 0,
    "lag_count" INTEGER NOT NULL DEFAULT 0,
    "lag_sum_ms" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "lag_max_ms" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "lag_buckets" INTEGER[],

    CONSTRAINT "operation_minutes_pkey" PRIMARY KEY ("minute","process_id")
);

-- CreateTable
CREATE TABLE "health_state" (
    "id" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "issue_codes" TEXT[],
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "health_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_throttle" (
    "code" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "alert_throttle_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "daily_reports" (
    "date" DATE NOT NULL,
    "health" JSONB NOT NULL,
    "rating" TEXT NOT NULL,
    "recommendations" JSONB NOT NULL,
    "summary" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "daily_reports_pkey" PRIMARY KEY ("date")
);

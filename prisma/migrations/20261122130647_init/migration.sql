-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "EventType" AS ENUM ('SESSION_START', 'SESSION_END', 'PAGE_VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'REVIEW');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('READ', 'INGEST', 'ADMIN');

-- CreateEnum
CREATE TYPE "Algorithm" AS ENUM ('KMEANS', 'GMM', 'DBSCAN', 'HIERARCHICAL');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "age" INTEGER,
    "gender" TEXT,
    "city_tier" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "events" (
    "event_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "type" "EventType" NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "item_id" TEXT,
    "categories" TEXT[],
    "amount" DOUBLE PRECISION,
    "duration_seconds" DOUBLE PRECISION,
    "text" TEXT,
    "properties" JSONB,

    CONSTRAINT "events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "profiles" (
    "user_id" TEXT NOT NULL,
    "sessions_count" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "total_session_duration" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "page_views" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "total_dwell_seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "clicks" INTEGER NOT NULL DEFAULT 0,
    "cart_adds" INTEGER NOT NULL DEFAULT 0,
    "reviews" INTEGER NOT NULL DEFAULT 0,
    "purchase_count" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "total_spent" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "event_count" INTEGER NOT NULL DEFAULT 0,
    "last_purchase_at" TIMESTAMPTZ(3),
    "first_event_at" TIMESTAMPTZ(3),
    "last_event_at" TIMESTAMPTZ(3),
    "base_sessions" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "base_session_duration" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "base_page_views" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "base_purchase_count" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "base_total_spent" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "base_last_purchase_at" TIMESTAMPTZ(3),
    "category_weights" JSONB NOT NULL DEFAULT '{}',
    "weights_at" TIMESTAMPTZ(3),
    "segment_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "profiles_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segmentation_models" (
    "id" UUID NOT NULL,
    "version" SERIAL NOT NULL,
    "algorithm" "Algorithm" NOT NULL,
    "k" INTEGER NOT NULL,
    "features" TEXT[],
    "params" JSONB NOT NULL,
    "scaler" JSONB NOT NULL,
    "centroids" JSONB NOT NULL,
    "metrics" JSONB NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "trained_on" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "segmentation_models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "segments" (
    "id" UUID NOT NULL,
    "model_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "size" INTEGER NOT NULL,
    "share" DOUBLE PRECISION NOT NULL,
    "stats" JSONB NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "segments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "jobs" (
    "id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "result" JSONB,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "locked_by" TEXT,
    "heartbeat_at" TIMESTAMPTZ(3),
    "run_after" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "model_id" UUID,
    "created_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "jobs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "events_user_id_occurred_at_idx" ON "events"("user_id", "occurred_at");

-- CreateIndex
CREATE INDEX "profiles_segment_id_user_id_idx" ON "profiles"("segment_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");

-- CreateIndex
CREATE UNIQUE INDEX "segmentation_models_version_key" ON "segmentation_models"("version");

-- CreateIndex
CREATE UNIQUE INDEX "segments_model_id_index_key" ON "segments"("model_id", "index");

-- CreateIndex
CREATE INDEX "jobs_status_run_after_idx" ON "jobs"("status", "run_after");

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "profiles" ADD CONSTRAINT "profiles_segment_id_fkey" FOREIGN KEY ("segment_id") REFERENCES "segments"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "segments" ADD CONSTRAINT "segments_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "segmentation_models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "segmentation_models"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- At most one active model (Prisma cannot express a partial unique index, so it is written here by hand).
CREATE UNIQUE INDEX "segmentation_models_one_active" ON "segmentation_models" ("active") WHERE "active";

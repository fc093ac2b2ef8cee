-- AlterTable
ALTER TABLE "events" ADD COLUMN     "topic_version" INTEGER;

-- AlterTable
ALTER TABLE "segmentation_models" ADD COLUMN     "text_model_version" INTEGER;

-- CreateTable
CREATE TABLE "text_models" (
    "version" SERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source" TEXT NOT NULL,
    "job_id" UUID,
    "sample_size" INTEGER NOT NULL,
    "topics" JSONB NOT NULL,
    "sentiment_model" JSONB,
    "rated_reviews" INTEGER NOT NULL DEFAULT 0,
    "held_out_accuracy" DOUBLE PRECISION,
    "lexicon_accuracy" DOUBLE PRECISION,
    "sentiment_blended" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "text_models_pkey" PRIMARY KEY ("version")
);

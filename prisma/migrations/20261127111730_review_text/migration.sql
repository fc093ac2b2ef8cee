-- AlterTable
ALTER TABLE "events" ADD COLUMN     "embedding" REAL[],
ADD COLUMN     "language" TEXT,
ADD COLUMN     "rating" DOUBLE PRECISION,
ADD COLUMN     "sentiment" DOUBLE PRECISION,
ADD COLUMN     "topics" JSONB;

-- AlterTable
ALTER TABLE "profiles" ADD COLUMN     "embedding_sum" DOUBLE PRECISION[] DEFAULT ARRAY[]::DOUBLE PRECISION[],
ADD COLUMN     "last_review_at" TIMESTAMPTZ(3),
ADD COLUMN     "negative_reviews" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "sentiment_sum" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "text_reviews" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "topic_sums" JSONB NOT NULL DEFAULT '{}';

-- CreateEnum
CREATE TYPE "EmbeddingStatus" AS ENUM ('DONE', 'PENDING', 'FAILED');

-- AlterTable
ALTER TABLE "events" ADD COLUMN     "embed_after" TIMESTAMPTZ(3),
ADD COLUMN     "embedding_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "embedding_error" TEXT,
ADD COLUMN     "embedding_space" TEXT,
ADD COLUMN     "embedding_status" "EmbeddingStatus";

-- AlterTable
ALTER TABLE "profiles" ADD COLUMN     "embedded_reviews" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "embedding_space" TEXT,
ADD COLUMN     "pending_embeddings" INTEGER NOT NULL DEFAULT 0;

-- Hand-written: reviews embedded before this migration hold the offline hashed vector (128 dimensions), already summed
-- into their profiles; a review with a rating and no text (language null) has nothing to embed.
UPDATE "events" SET "embedding_status" = 'DONE', "embedding_space" = 'hashed-tfidf#128'
WHERE "type" = 'REVIEW' AND "language" IS NOT NULL AND cardinality("embedding") > 0;
UPDATE "profiles" p SET "embedding_space" = 'hashed-tfidf#128',
  "embedded_reviews" = (SELECT count(*) FROM "events" e WHERE e."user_id" = p."user_id" AND e."embedding_status" = 'DONE')
WHERE cardinality(p."embedding_sum") > 0;

-- The backfill claims due pending reviews through this index only (most events never wait for an embedding).
CREATE INDEX "events_embedding_pending_idx" ON "events" ("embed_after") WHERE "embedding_status" = 'PENDING';

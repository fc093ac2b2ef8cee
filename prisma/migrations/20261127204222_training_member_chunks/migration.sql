-- Training members as chunks: the users a model was trained on, with each one's segment index, a row per run of up to
-- 1,000 user ids in order instead of a row per user.
--
-- Why: writing a row per user (with the key (segment_id, user_id) and the index (user_id)) was the largest write of a
-- retrain that keeps its lineages: ~6 s of its save at 1,000,000 users, for rows that are only ever read a whole model
-- (or a segment) at a time. Chunked, the same million is a thousand rows (~4 MB against ~100 MB), written in ~1.5 s.

-- CreateTable
CREATE TABLE "training_member_chunks" (
    "model_id" UUID NOT NULL,
    "first_user" TEXT NOT NULL,
    "last_user" TEXT NOT NULL,
    "user_ids" TEXT[] NOT NULL,
    "labels" SMALLINT[] NOT NULL,

    CONSTRAINT "training_member_chunks_pkey" PRIMARY KEY ("model_id","first_user")
);

-- AddForeignKey
ALTER TABLE "training_member_chunks" ADD CONSTRAINT "training_member_chunks_model_id_fkey" FOREIGN KEY ("model_id") REFERENCES "segmentation_models"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Written by hand: the stored models' members, chunked as the save chunks them (training-members.ts).
INSERT INTO "training_member_chunks" ("model_id", "first_user", "last_user", "user_ids", "labels")
SELECT model_id, min(user_id), max(user_id), array_agg(user_id ORDER BY user_id), array_agg(label ORDER BY user_id)
FROM (SELECT s."model_id", m."user_id", s."index"::smallint AS label,
             (row_number() OVER (PARTITION BY s."model_id" ORDER BY m."user_id") - 1) / 1000 AS chunk
      FROM "segment_training_members" m JOIN "segments" s ON s."id" = m."segment_id") x
GROUP BY model_id, chunk;

-- DropTable
DROP TABLE "segment_training_members";

-- Erasure: the erased users leave the chunks whose range holds them (one per model at most); the chunk keeps its
-- bounds (they only narrow the search). Replaces the row deletion of migration bulk_placement.
CREATE OR REPLACE FUNCTION "erase_segment_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "training_member_chunks" c
  SET ("user_ids", "labels") = (
    SELECT COALESCE(array_agg(m."user_id" ORDER BY m.n), '{}'), COALESCE(array_agg(m."label" ORDER BY m.n), '{}')
    FROM unnest(c."user_ids", c."labels") WITH ORDINALITY AS m("user_id", "label", n)
    WHERE m."user_id" NOT IN (SELECT o."id" FROM old_users o))
  WHERE EXISTS (SELECT 1 FROM old_users o WHERE o."id" BETWEEN c."first_user" AND c."last_user");
  DELETE FROM "segment_memberships" m USING old_users o WHERE m."user_id" = o."id";
  DELETE FROM "segment_placements" m USING old_users o WHERE m."user_id" = o."id";
  RETURN NULL;
END
$$;

-- A save writes chunks (and an activation places everyone) without holding its users: a FOR KEY SHARE lock on a
-- million users rows cost ~2 s. Instead an advisory lock (key 72707372) keeps erasures and these bulk writes apart: the
-- writers take it exclusively, in a statement of their own just before they write, and hold it to COMMIT
-- (src/db/erasure-lock.ts); an erasure takes it shared, before it deletes anything. So an erasure that comes while a
-- save writes waits for the commit and its trigger above then sees the chunks and placements; a writer that comes
-- while an erasure runs waits for it, and its INSERT (a later statement, with a later snapshot) no longer finds the
-- erased users. Erasures do not wait for one another; bulk writers take turns. Taken before any row is locked on
-- either side, so neither waits for the other while holding what the other needs.
CREATE FUNCTION "wait_for_bulk_writes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(72707372);
  RETURN NULL;
END
$$;
CREATE TRIGGER "users_wait_for_bulk_writes" BEFORE DELETE ON "users"
FOR EACH STATEMENT EXECUTE FUNCTION "wait_for_bulk_writes"();

-- A count of erasures, so that a training's save can tell cheaply whether any user was erased since the training read
-- the profiles (src/db/erasure-lock.ts erasureMark / erasedSince). Written by hand: the schema is unchanged.
--
-- Why: a save leaves out of the model's training members the users erased while it trained. Finding them is an
-- anti-join of every training row against users (~0.8 s at a million users, a hash of every user id), almost always to
-- find none. With the count, the save compares the count at the read with the count once it holds erasures off, and
-- looks only when they differ.
--
-- A sequence, bumped by the statement trigger every erasure already runs (after it takes the erasure lock shared): it
-- takes no row lock, so erasures still do not wait for one another. A rolled-back erasure still counts (a sequence does
-- not roll back): the save then looks and finds nobody, which is only the cost of looking. The read takes its mark
-- with the lock held exclusively for the moment of the read, so every erasure counted before the mark has committed
-- and the read's snapshot (taken after) sees it gone.
CREATE SEQUENCE "erasure_count" AS bigint;

CREATE OR REPLACE FUNCTION "wait_for_bulk_writes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(72707372);
  PERFORM nextval('erasure_count');
  RETURN NULL;
END
$$;

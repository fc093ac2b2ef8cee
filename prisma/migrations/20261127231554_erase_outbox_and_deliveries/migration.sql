-- An erasure (deleteUser) also deletes the user's rows of the membership outbox and of the webhook delivery log.
--
-- Why: both hold the user's id and the segments and audiences the user entered and left, so after an erasure they kept
-- personal data, and a pending delivery would still POST the erased user's id to a third party after the erasure.
-- Every delivery of the user goes, whatever its status: a PENDING or FAILED one must never be sent or retried, and a
-- DELIVERED one is a log row naming the user (receivers deduplicate by delivery id, which a deleted row no longer
-- needs). What cannot be taken back: a POST already under way when the erasure commits completes; its result is then
-- recorded by its claim (src/modules/webhooks/delivery-queue.ts), an UPDATE of a row that is gone, so it changes
-- nothing and creates nothing.
--
-- webhook_deliveries gets an index on user_id for this (below; the generated part). Its write cost: one more b-tree entry
-- per row version, that is per delivery made by the fan-out and per claim and result (those updates change
-- next_attempt_at and status, columns of the due index, so they were never HOT and already write every index): about
-- three entries per delivery sent at the first attempt, two more per retry. Reads do not change.

-- CreateIndex
CREATE INDEX "webhook_deliveries_user_id_idx" ON "webhook_deliveries"("user_id");

-- Written by hand below (Prisma's schema language cannot say these).
--
-- The fan-out (src/modules/webhooks/fan-out.ts) copies outbox rows into deliveries in a transaction that holds its
-- cursor row (webhook_fanout, FOR UPDATE); a pass that read the user's outbox rows before the erasure deleted them and
-- committed its deliveries after the erasure's DELETE had looked would leave deliveries for the erased user, to be
-- sent. So the erasure first takes the cursor row shared: it waits for a pass under way to commit (its deliveries are
-- then seen by the DELETE below, a later statement with a later snapshot), and a pass that comes meanwhile skips its
-- turn (the cursor is taken with SKIP LOCKED) and next reads the outbox without the erased rows. Erasures share the
-- row, so they do not wait for one another. The fan-out waits for nothing an erasure holds (it reads the outbox without
-- locking it), so the two cannot deadlock. The outbox rows go by its key (user_id, id); the fan-out's cursor is a
-- (txid, id) position, not a reference to a row, so a cursor at a deleted change reads on from there.
CREATE FUNCTION "erase_membership_change_rows"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM "webhook_fanout" WHERE "id" = 1 FOR SHARE;
  DELETE FROM "membership_changes" c USING old_users o WHERE c."user_id" = o."id";
  DELETE FROM "webhook_deliveries" d USING old_users o WHERE d."user_id" = o."id";
  RETURN NULL;
END
$$;

-- Statement-level with the deleted users as a transition table, like the events and segment rows (migrations
-- events_user_delete_trigger, segment_placements): one DELETE per table per statement, not per user.
CREATE TRIGGER "users_erase_membership_change_rows" AFTER DELETE ON "users"
REFERENCING OLD TABLE AS old_users FOR EACH STATEMENT EXECUTE FUNCTION "erase_membership_change_rows"();

-- events.user_id no longer has a foreign key to users. Its check took a KEY SHARE lock on the user row once per
-- event row (SPI query and tuple lock each time): about a fifth of an ingest batch's INSERT time for 1,000 events.
-- What it guaranteed is kept another way:
--  - no event without its user: ingestEvents inserts the users of its new events in the same statement and locks every
--    other user of the batch (FOR KEY SHARE, one row per user, not per event) before it commits; a user deleted before
--    that lock makes it run the whole batch again (src/modules/events/ingest-events.ts);
--  - deleting a user deletes its events: the statement-level trigger below, with the deleted rows as a transition
--    table, in the deleting statement (one DELETE per statement, not per user). A delete that waited for an ingest
--    batch's lock runs this DELETE after the batch committed, with a new snapshot (READ COMMITTED), so it sees and
--    removes that batch's events too. TRUNCATE users does not fire it: truncate events with it (CASCADE no longer
--    reaches events).
-- Prisma cannot express the trigger, so this migration is hand-written; schema.prisma no longer declares the relation
-- (a generated migration would add the key back), and schema.prisma.snapshot is the new schema.prisma.
ALTER TABLE "events" DROP CONSTRAINT "events_user_id_fkey";

CREATE FUNCTION "delete_events_of_deleted_users"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "events" e USING "deleted_users" d WHERE e."user_id" = d."id";
  RETURN NULL;
END
$$;

CREATE TRIGGER "users_delete_events" AFTER DELETE ON "users"
  REFERENCING OLD TABLE AS "deleted_users"
  FOR EACH STATEMENT EXECUTE FUNCTION "delete_events_of_deleted_users"();

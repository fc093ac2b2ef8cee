-- The events -> users foreign key is checked at COMMIT: ingestEvents inserts the events first (ON CONFLICT tells it
-- which are new), then the users of the accepted events only, then locks the profiles, so that the profile row locks
-- are held for as short a time as possible and a replayed batch creates no user. Prisma cannot express DEFERRABLE,
-- so this migration is hand-written; schema.prisma.snapshot is the previous one, unchanged.
ALTER TABLE "events" ALTER CONSTRAINT "events_user_id_fkey" DEFERRABLE INITIALLY DEFERRED;

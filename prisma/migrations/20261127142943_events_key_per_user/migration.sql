-- AlterTable
ALTER TABLE "events" DROP CONSTRAINT "events_pkey",
ADD CONSTRAINT "events_pkey" PRIMARY KEY ("user_id", "event_id");

-- Written by hand below.

-- Why: an event id is the client's idempotency key for one user's event, and from now on it is unique per user. Every
-- unique key of a per-user table must hold the distribution column (user_id) for the table to be distributed by user
-- on Citus (docs/scaling.md); a globally unique event_id would need a second table keyed by event_id written in the
-- same transaction, a cross-shard write for every event. Existing rows are unique by event_id alone, so they are
-- unique by (user_id, event_id) too: nothing to move. The new key also serves every lookup by user (user_id leads).
-- Rebuilding the key index locks events for writes while it runs: on a large table, run this in a quiet hour.

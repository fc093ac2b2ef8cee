-- CreateTable
CREATE TABLE "membership_changes" (
    "id" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "target_id" UUID NOT NULL,
    "entered" BOOLEAN NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "txid" xid8 NOT NULL DEFAULT pg_current_xact_id(),

    CONSTRAINT "membership_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "membership_changes_target_id_id_idx" ON "membership_changes"("target_id", "id");

-- Written by hand below (Prisma's schema language cannot say these).

-- A change is only ever added by the triggers below, in the transaction that made it, so it commits or rolls back
-- with the membership it reports. Statement-level with transition tables: one set-based insert per statement.
ALTER TABLE "membership_changes" ADD CONSTRAINT "membership_changes_kind_check" CHECK ("kind" IN ('SEGMENT', 'AUDIENCE'));

-- Segment lineages: a stay opened is an entry, a stay closed is an exit (segment_memberships, kept by
-- record_segment_moves on profiles).
CREATE FUNCTION "outbox_segment_entries"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "membership_changes" ("user_id", "kind", "target_id", "entered", "at")
  SELECT n."user_id", 'SEGMENT', n."lineage", true, n."entered_at" FROM new_stays n;
  RETURN NULL;
END
$$;
CREATE TRIGGER "segment_memberships_outbox_insert" AFTER INSERT ON "segment_memberships"
REFERENCING NEW TABLE AS new_stays FOR EACH STATEMENT EXECUTE FUNCTION "outbox_segment_entries"();

CREATE FUNCTION "outbox_segment_exits"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "membership_changes" ("user_id", "kind", "target_id", "entered", "at")
  SELECT n."user_id", 'SEGMENT', n."lineage", false, n."exited_at"
  FROM new_stays n JOIN old_stays o ON o."id" = n."id"
  WHERE o."exited_at" IS NULL AND n."exited_at" IS NOT NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER "segment_memberships_outbox_update" AFTER UPDATE ON "segment_memberships"
REFERENCING OLD TABLE AS old_stays NEW TABLE AS new_stays FOR EACH STATEMENT EXECUTE FUNCTION "outbox_segment_exits"();

-- record_segment_moves drops a stay opened earlier in the same transaction (a batch that places a user, then re-places
-- it): nobody ever saw it, so its entry is taken back too. Only entries of this transaction match (txid), so deleting
-- a user's history in a later transaction leaves the changes already published alone.
CREATE FUNCTION "outbox_segment_dropped"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "membership_changes" c USING old_stays o
  WHERE c."txid" = pg_current_xact_id() AND c."kind" = 'SEGMENT' AND c."entered"
    AND c."user_id" = o."user_id" AND c."target_id" = o."lineage" AND o."exited_at" IS NULL;
  RETURN NULL;
END
$$;
CREATE TRIGGER "segment_memberships_outbox_delete" AFTER DELETE ON "segment_memberships"
REFERENCING OLD TABLE AS old_stays FOR EACH STATEMENT EXECUTE FUNCTION "outbox_segment_dropped"();

-- Audiences: every row of audience_membership_changes is a change.
CREATE FUNCTION "outbox_audience_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "membership_changes" ("user_id", "kind", "target_id", "entered", "at")
  SELECT n."user_id", 'AUDIENCE', n."audience_id", n."entered", n."at" FROM new_changes n;
  RETURN NULL;
END
$$;
CREATE TRIGGER "audience_membership_changes_outbox" AFTER INSERT ON "audience_membership_changes"
REFERENCING NEW TABLE AS new_changes FOR EACH STATEMENT EXECUTE FUNCTION "outbox_audience_changes"();

-- Wake the listeners of every process: one notification per statement, delivered at commit, naming the transaction
-- and the id range it wrote, so a listener reads exactly its rows (ids of concurrent transactions interleave).
CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lo BIGINT;
  hi BIGINT;
BEGIN
  SELECT min("id"), max("id") INTO lo, hi FROM new_changes;
  IF lo IS NOT NULL THEN
    PERFORM pg_notify('membership_changes',
      json_build_object('txid', pg_current_xact_id()::text, 'from', lo, 'to', hi)::text);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "membership_changes_notify" AFTER INSERT ON "membership_changes"
REFERENCING NEW TABLE AS new_changes FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();

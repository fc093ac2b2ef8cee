-- CreateIndex
CREATE INDEX "events_received_at_user_id_idx" ON "events"("received_at", "user_id");

-- CreateIndex
CREATE INDEX "membership_changes_txid_idx" ON "membership_changes"("txid");

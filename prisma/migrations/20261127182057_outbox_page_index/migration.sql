-- The outbox had two indexes leading with txid: (txid) for the notification feed (migration membership_changes_txid)
-- and (txid, id), written by hand for the webhook fan-out (migration webhooks). The second serves both (the feed reads
-- by txid ranges), so the first goes: one index fewer to write per change, a million of them at an activation.
-- schema.prisma now declares the (txid, id) index, under the name the webhooks migration gave it.

-- DropIndex
DROP INDEX "membership_changes_txid_idx";

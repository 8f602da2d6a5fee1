-- /leaderboard week|month sums the period's ledger entries per member: with member_id and delta
-- in the index the sum reads the index alone (an index-only scan) instead of one heap page per entry.
-- It starts with created_at, so it also serves everything the index it replaces served.
DROP INDEX "ledger_entries_created_at_idx";

CREATE INDEX "ledger_entries_created_at_member_id_delta_idx" ON "ledger_entries"("created_at", "member_id", "delta");

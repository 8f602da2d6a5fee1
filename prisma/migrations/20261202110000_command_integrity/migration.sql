-- Issue 9: disputes once per entry, audit rows once per invocation, and points within bounds.

-- At most one open dispute per ledger entry. Duplicates opened by concurrent
-- requests before this index existed are closed, pointing at the first one.
UPDATE "points_disputes" AS d
SET "state" = 'declined', "decision" = 'duplicate of dispute #' || f."first_id", "decided_at" = now()
FROM (SELECT "entry_id", min("id") AS "first_id" FROM "points_disputes" WHERE "state" = 'open' GROUP BY "entry_id" HAVING count(*) > 1) AS f
WHERE d."entry_id" = f."entry_id" AND d."state" = 'open' AND d."id" <> f."first_id";
CREATE UNIQUE INDEX "points_disputes_open_entry_key" ON "points_disputes"("entry_id") WHERE "state" = 'open';
CREATE INDEX "points_disputes_entry_id_idx" ON "points_disputes"("entry_id");

-- The platform's invocation id of the command that wrote the row; a replay writes no second row.
ALTER TABLE "audit_log" ADD COLUMN "invocation_id" TEXT;
CREATE UNIQUE INDEX "audit_log_invocation_id_action_key" ON "audit_log"("invocation_id", "action") WHERE "invocation_id" IS NOT NULL;

-- Points stay far inside 32-bit columns (see src/domain/ledger.ts). NOT VALID: rows written
-- before the bounds existed stay readable; every new or changed row is checked.
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_delta_bound" CHECK ("delta" BETWEEN -1000000 AND 1000000) NOT VALID;
ALTER TABLE "balances" ADD CONSTRAINT "balances_points_bound" CHECK ("points" BETWEEN -1000000000 AND 1000000000) NOT VALID;

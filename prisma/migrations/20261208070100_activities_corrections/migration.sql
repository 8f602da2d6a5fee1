-- A past week's report reads its corrections (src/store/commitments.ts, loadCorrections): activities recorded
-- after the week ended, or rejected since. Found by when they were recorded or rejected, that is the few days
-- since the week (a BitmapOr of these two), not every activity dated in the quarter shown (150k rows filtered
-- to 1.5k for a 10,000-member report: 48 ms over three backends -> 11 ms in one).
-- Prisma's schema cannot express a partial index: it keeps @@index([createdAt]) only, and this migration adds
-- the rejected one (rare rows, so it costs an insert nothing).
CREATE INDEX "activities_created_at_idx" ON "activities"("created_at");
CREATE INDEX "activities_rejected_at_idx" ON "activities"("rejected_at") WHERE "rejected_at" IS NOT NULL;

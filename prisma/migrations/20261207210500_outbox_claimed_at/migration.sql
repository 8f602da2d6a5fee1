-- When the current (or last) claim of a row began. A claim's lock is short and renewed while its process
-- lives, so the lock's end no longer says when the claim began; a row taken over from a process that died
-- reads the platform's history from this time on.
ALTER TABLE "outbox" ADD COLUMN "claimed_at" TIMESTAMPTZ(3);

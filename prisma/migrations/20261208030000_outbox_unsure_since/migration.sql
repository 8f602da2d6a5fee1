-- The start of the earliest claim of a row that ended with no outcome (its process died mid-delivery): the platform
-- may have had the message since then. Kept until the row is done, so an attempt that only booked a rate slot and
-- gave the row back does not make the attempt at that slot forget it (it would skip the history check and send twice).
ALTER TABLE "outbox" ADD COLUMN "unsure_since" TIMESTAMPTZ(3);

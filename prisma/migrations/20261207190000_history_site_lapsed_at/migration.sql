-- When a site last lapsed: kept when premium comes back, so a week's partner report still lists a lapse that was
-- reactivated before the week ended (the state and state_changed_at move on).
ALTER TABLE "sites" ADD COLUMN "lapsed_at" TIMESTAMPTZ(3);

-- Sites lapsed now lapsed when their state last changed.
UPDATE "sites" SET "lapsed_at" = "state_changed_at" WHERE "state" = 'lapsed';

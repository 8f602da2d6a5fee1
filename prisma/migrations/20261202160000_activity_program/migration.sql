-- Programs run independently: an activity counts for the program it was done
-- for (the community channel's, or the one the member named). NULL: every
-- program of the member that counts its kind (kinds the pack shares on
-- purpose, and activities recorded before programs were told apart).
ALTER TABLE "activities" ADD COLUMN "program_id" TEXT;

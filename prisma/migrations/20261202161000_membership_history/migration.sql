-- History kept: a membership row is one interval (joined_at .. ended_at), and
-- joining again starts a new row, so a report for a past week still sees who
-- was a member then. At most one interval per member and program is open.
DROP INDEX "memberships_member_id_program_id_key";
CREATE INDEX "memberships_member_id_program_id_idx" ON "memberships"("member_id", "program_id");
CREATE UNIQUE INDEX "memberships_one_active_key" ON "memberships"("member_id", "program_id") WHERE "state" = 'active';

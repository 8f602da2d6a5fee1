-- A leave is keyed on the invocation that asked for it, so a replayed /pause starts one leave.
ALTER TABLE "pauses" ADD COLUMN "invocation_id" TEXT;
CREATE UNIQUE INDEX "pauses_invocation_id_key" ON "pauses"("invocation_id");

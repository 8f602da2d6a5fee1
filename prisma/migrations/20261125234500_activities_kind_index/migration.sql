-- CreateIndex
CREATE INDEX "activities_kind_occurred_at_idx" ON "activities"("kind", "occurred_at");

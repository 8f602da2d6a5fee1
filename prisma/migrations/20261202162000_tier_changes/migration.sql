-- Every tier a partner moved to (promotion or demotion), so the partner
-- health report can list this week's moves without reading the outbox.
CREATE TABLE "tier_changes" (
    "id" SERIAL NOT NULL,
    "member_id" TEXT NOT NULL,
    "from_tier" TEXT NOT NULL,
    "to_tier" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tier_changes_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "tier_changes_created_at_idx" ON "tier_changes"("created_at");

ALTER TABLE "tier_changes" ADD CONSTRAINT "tier_changes_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE;

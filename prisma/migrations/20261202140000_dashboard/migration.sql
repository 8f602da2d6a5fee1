-- CreateTable
CREATE TABLE "dashboard_links" (
    "token_hash" TEXT NOT NULL,
    "member_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dashboard_links_pkey" PRIMARY KEY ("token_hash")
);

-- CreateTable
CREATE TABLE "dashboard_sessions" (
    "id_hash" TEXT NOT NULL,
    "member_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dashboard_sessions_pkey" PRIMARY KEY ("id_hash")
);

-- CreateIndex
CREATE INDEX "dashboard_links_expires_at_idx" ON "dashboard_links"("expires_at");

-- CreateIndex
CREATE INDEX "dashboard_sessions_member_id_idx" ON "dashboard_sessions"("member_id");

-- The audit page filters by actor and action, newest first.
-- CreateIndex
CREATE INDEX "audit_log_actor_created_at_idx" ON "audit_log"("actor", "created_at");

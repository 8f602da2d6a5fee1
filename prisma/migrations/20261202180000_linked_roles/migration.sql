-- Discord Linked Roles: a member's OAuth2 tokens (scopes identify and
-- role_connections.write), each sealed with AES-256-GCM under a key derived
-- from STEWARD_SECRET, so a copy of the database holds no usable token.
-- CreateTable
CREATE TABLE "discord_role_connections" (
    "member_id" TEXT NOT NULL,
    "discord_user_id" TEXT NOT NULL,
    "access_token" TEXT NOT NULL,
    "refresh_token" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "scope" TEXT NOT NULL,
    "pushed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "discord_role_connections_pkey" PRIMARY KEY ("member_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "discord_role_connections_discord_user_id_key" ON "discord_role_connections"("discord_user_id");

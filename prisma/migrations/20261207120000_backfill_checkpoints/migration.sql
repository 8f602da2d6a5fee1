-- `steward backfill`: where each history source (a platform's channel, a forum user) stopped, so an interrupted run resumes there.
CREATE TABLE "backfill_checkpoints" (
    "source" TEXT NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "cursor" TEXT,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "messages" INTEGER NOT NULL DEFAULT 0,
    "counted" INTEGER NOT NULL DEFAULT 0,
    "oldest_seen" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "backfill_checkpoints_pkey" PRIMARY KEY ("source")
);

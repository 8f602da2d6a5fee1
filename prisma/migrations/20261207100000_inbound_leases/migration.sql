-- CreateTable
CREATE TABLE "leases" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "leases_pkey" PRIMARY KEY ("name")
);

-- An inbound event that failed unexpectedly was left "failed"; it is unfinished, and unfinished is "received" now.
UPDATE "inbound_events" SET "status" = 'received' WHERE "status" = 'failed';

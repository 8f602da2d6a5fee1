-- CreateTable
CREATE TABLE "inbound_events" (
    "id" SERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "result" TEXT,
    "member_id" TEXT,
    "occurred_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inbound_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_requests" (
    "id" TEXT NOT NULL,
    "member_id" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "inbound_events_key_key" ON "inbound_events"("key");

-- CreateIndex
CREATE INDEX "inbound_events_source_subject_status_idx" ON "inbound_events"("source", "subject", "status");

-- CreateIndex
CREATE INDEX "inbound_events_status_idx" ON "inbound_events"("status");

-- CreateIndex
CREATE UNIQUE INDEX "link_requests_member_id_platform_key" ON "link_requests"("member_id", "platform");

-- CreateIndex
CREATE INDEX "link_requests_platform_external_id_idx" ON "link_requests"("platform", "external_id");

-- AddForeignKey
ALTER TABLE "link_requests" ADD CONSTRAINT "link_requests_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE;

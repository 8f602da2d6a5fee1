-- CreateTable
CREATE TABLE "link_codes" (
    "id" TEXT NOT NULL,
    "member_id" TEXT NOT NULL,
    "code_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "survivor_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_code_attempts" (
    "id" SERIAL NOT NULL,
    "member_id" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "link_code_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "member_merges" (
    "id" SERIAL NOT NULL,
    "survivor_id" TEXT NOT NULL,
    "merged_id" TEXT NOT NULL,
    "merged_handle" TEXT NOT NULL,
    "moved" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "member_merges_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "link_codes_code_hash_key" ON "link_codes"("code_hash");

-- CreateIndex
CREATE INDEX "link_codes_member_id_idx" ON "link_codes"("member_id");

-- CreateIndex
CREATE INDEX "link_code_attempts_member_id_created_at_idx" ON "link_code_attempts"("member_id", "created_at");

-- CreateIndex
CREATE INDEX "member_merges_survivor_id_idx" ON "member_merges"("survivor_id");

-- CreateIndex
CREATE INDEX "member_merges_merged_handle_idx" ON "member_merges"("merged_handle");

-- AddForeignKey
ALTER TABLE "link_codes" ADD CONSTRAINT "link_codes_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "link_code_attempts" ADD CONSTRAINT "link_code_attempts_member_id_fkey" FOREIGN KEY ("member_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "member_merges" ADD CONSTRAINT "member_merges_survivor_id_fkey" FOREIGN KEY ("survivor_id") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE;

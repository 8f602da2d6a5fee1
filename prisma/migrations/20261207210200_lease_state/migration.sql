-- AlterTable
ALTER TABLE "leases" ADD COLUMN "state" JSONB;

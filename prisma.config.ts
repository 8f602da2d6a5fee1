// Prisma 7 reads its settings from here. The URL is only needed by Prisma's own
// CLI (`prisma migrate deploy` where its engine can be downloaded); Steward
// itself connects through driver adapters (src/store/client.ts).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/steward" },
});

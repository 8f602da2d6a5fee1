// Test runtimes on real databases: an in-memory PGlite always, and a fresh
// PostgreSQL database per runtime when DATABASE_URL is set. Nothing is faked
// below the Prisma client.
import { configSchema, type Config } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { fixTargets } from "../../src/services/outbox-targets.ts";
import { pgliteTemplate } from "../../src/store/client.ts";
import { migrate } from "../../src/store/migrate.ts";
import { scratchDatabase } from "./scratch-db.ts";

// Creating a PGlite database takes seconds; copying a migrated one takes a fraction of that.
let template: Promise<Blob> | undefined;
function migratedTemplate(): Promise<Blob> {
  template ??= pgliteTemplate(migrate);
  return template;
}

export interface TestClock {
  now: () => Date;
  set(iso: string | Date): void;
  advance(ms: number): void;
}

export function testClock(start = "2026-11-25T12:00:00Z"): TestClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (iso) => {
      t = new Date(iso).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export function testConfig(env: Record<string, string> = {}): Config {
  return configSchema.parse({ STEWARD_MODERATORS: "mod", LOG_LEVEL: "silent", ...env });
}

export type StoreKind = "pglite" | "postgres";

/** The stores every integration suite runs on here: PGlite always, Postgres when DATABASE_URL is set. */
export const storeKinds: StoreKind[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export interface TestRuntime extends Runtime {
  clock: TestClock;
}

/**
 * `fixedTargets`: rows get their targets when written, as in `steward serve` and `steward run`
 * (services/outbox-targets.ts). Off by default: the suites of delivery itself hand any row to the
 * targets they pass, the rule for rows written before targets were fixed.
 */
export async function testRuntime(kind: StoreKind = "pglite", env: Record<string, string> = {}, clock = testClock(), options: { fixedTargets?: boolean } = {}): Promise<TestRuntime> {
  const config = testConfig(env);
  const log = createLogger("silent");
  if (kind === "pglite") {
    const runtime = await createRuntime(config, { now: clock.now, log, store: { dataDir: "memory", template: await migratedTemplate() } });
    if (options.fixedTargets) fixTargets(runtime.app);
    return { ...runtime, clock };
  }
  const admin = process.env.DATABASE_URL;
  if (!admin) throw new Error("DATABASE_URL is not set");
  const db = await scratchDatabase(admin, "steward_test");
  const runtime = await createRuntime(config, { now: clock.now, log, store: { databaseUrl: db.url } });
  if (options.fixedTargets) fixTargets(runtime.app);
  return {
    ...runtime,
    clock,
    close: async () => {
      await runtime.close();
      await db.drop();
    },
  };
}

// Test runtimes on real databases: an in-memory PGlite always, and a
// PostgreSQL database when DATABASE_URL is set, each migrated and empty when
// the runtime starts (test/helpers/test-databases.ts: one database per test
// file, emptied between its tests). Nothing is faked below the Prisma client.
import { readFileSync } from "node:fs";
import { configSchema, type Config } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import type { Pack } from "../../src/domain/pack.ts";
import { DEFAULT_PACK_PATH, loadPack } from "../../src/programs/load.ts";
import { createRuntime, type Runtime } from "../../src/runtime.ts";
import { fixTargets, unfixTargets } from "../../src/services/outbox-targets.ts";
import { testStore, type StoreKind } from "./test-databases.ts";

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

export type { StoreKind };

/** The stores every integration suite runs on here: PGlite always, Postgres when DATABASE_URL is set. */
export const storeKinds: StoreKind[] = process.env.DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];

export interface TestRuntime extends Runtime {
  clock: TestClock;
}

// Parsing and checking a pack takes a tenth of a second; tests change their runtime's pack, so each gets a copy.
const packs = new Map<string, Pack>();
function packOf(config: Config): Pack {
  const file = config.STEWARD_PROGRAMS ?? DEFAULT_PACK_PATH;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return loadPack(file); // says why it cannot be read
  }
  const key = `${file}\n${text}`;
  let pack = packs.get(key);
  if (!pack) packs.set(key, (pack = loadPack(file)));
  return structuredClone(pack);
}

/**
 * `fixedTargets`: rows get their targets when written, as in `steward serve` and `steward run`
 * (services/outbox-targets.ts). Off by default: the suites of delivery itself hand any row to the
 * targets they pass, the rule for rows written before targets were fixed.
 */
export async function testRuntime(kind: StoreKind = "pglite", env: Record<string, string> = {}, clock = testClock(), options: { fixedTargets?: boolean } = {}): Promise<TestRuntime> {
  if (kind === "postgres" && !process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set");
  const store = await testStore(kind);
  const config = testConfig(env);
  const runtime = await createRuntime(config, { now: clock.now, log: createLogger("silent"), opened: store, pack: packOf(config) });
  // The store is lent again to the worker's next runtime: a routing an earlier runtime fixed on its client must not carry over.
  if (options.fixedTargets) fixTargets(runtime.app);
  else unfixTargets(runtime.app);
  return { ...runtime, clock };
}

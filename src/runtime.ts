// Builds the application context from configuration: program pack, database
// (migrated), logger. Used by every entry point and by the tests.
import { EventEmitter } from "node:events";
import type { App } from "./app.ts";
import type { Config } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Pack } from "./domain/pack.ts";
import { DEFAULT_PACK_PATH } from "./programs/pack-file.ts";
import { openStore, type Store, type StoreTarget } from "./store/client.ts";
import { migrate } from "./store/migrate.ts";

export interface Runtime {
  app: App;
  store: Store;
  /** Emits "outbox" after a transaction wrote outbox rows. */
  events: EventEmitter;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  now?: () => Date;
  log?: Logger;
  store?: StoreTarget;
  /** A store already open, used instead of opening `store` (the tests lend one database to test after test); close() closes it. */
  opened?: Store;
  /** The pack, already read from STEWARD_PROGRAMS (the tests parse each pack file once). */
  pack?: Pack;
  /**
   * A process that runs one command and exits (`steward run`): no counters (it serves no /metrics, so it
   * never loads prom-client) and the embedded database's small buffer pool.
   */
  oneShot?: boolean;
  /**
   * The embedded database's small buffer pool without the rest of `oneShot`: the terminal chat, where one
   * person types (about 120 MiB less memory; `steward serve` keeps Postgres's 128 MB).
   */
  smallBuffers?: boolean;
  /** No counters either (prom-client not loaded): a process without the HTTP server serves no /metrics to read them. */
  noCounters?: boolean;
}

export function storeTarget(config: Config): StoreTarget {
  return config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: config.STEWARD_DATA_DIR };
}

/** In the compiled dist/ only: the shipped packs, already validated, by a hash of their text (scripts/build.mjs). */
declare const STEWARD_BUILT_PACKS: Record<string, string> | undefined;

/**
 * The pack file, taken from the build when its text is a shipped pack's, word for word; else parsed and checked
 * (the loader and its YAML parser are loaded only then).
 */
async function packFrom(file = DEFAULT_PACK_PATH): Promise<Pack> {
  const load = async () => (await import("./programs/load.ts")).loadPack(file);
  if (typeof STEWARD_BUILT_PACKS === "undefined") return load();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return load(); // says why it cannot be read
  }
  const built = STEWARD_BUILT_PACKS[createHash("sha256").update(text).digest("hex")];
  return built ? (JSON.parse(built) as Pack) : load();
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const pack = options.pack ?? (await packFrom(config.STEWARD_PROGRAMS));
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  const target = options.store ?? storeTarget(config);
  const store = options.opened ?? (await openStore((options.oneShot || options.smallBuffers) && "dataDir" in target ? { ...target, smallBuffers: true } : target));
  try {
    const applied = await migrate(store.sql);
    if (applied.length > 0) log.info({ applied }, "database migrated");
  } catch (err) {
    await store.close();
    throw err;
  }
  const events = new EventEmitter();
  const app: App = {
    db: store.db,
    sql: store.sql,
    pack,
    config,
    log,
    now: options.now ?? (() => new Date()),
    outboxWritten: () => events.emit("outbox"),
    metrics: options.oneShot || options.noCounters ? undefined : (await import("./metrics.ts")).createMetrics(),
  };
  return { app, store, events, close: () => store.close() };
}

// Builds the application context from configuration: program pack, database
// (migrated), logger. Used by every entry point and by the tests.
import { EventEmitter } from "node:events";
import type { App } from "./app.ts";
import type { Config } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMetrics } from "./metrics.ts";
import { loadPack } from "./programs/load.ts";
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
}

export function storeTarget(config: Config): StoreTarget {
  return config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: config.STEWARD_DATA_DIR };
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const pack = loadPack(config.STEWARD_PROGRAMS);
  const log = options.log ?? createLogger(config.LOG_LEVEL);
  const store = await openStore(options.store ?? storeTarget(config));
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
    metrics: createMetrics(),
  };
  return { app, store, events, close: () => store.close() };
}

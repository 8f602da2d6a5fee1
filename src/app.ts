// The application context every command, service and job receives: the
// database, the program pack, configuration, the clock and the logger. Built
// once in main.ts (or per test), never a global.
import type { Config } from "./config.ts";
import type { Pack } from "./domain/pack.ts";
import type { Logger } from "./log.ts";
import type { StewardMetrics } from "./metrics.ts";
import type { Db, SqlRunner } from "./store/client.ts";

export interface App {
  db: Db;
  sql: SqlRunner;
  pack: Pack;
  config: Config;
  log: Logger;
  /** The current time. Tests pass a fixed clock. */
  now: () => Date;
  /**
   * Wakes delivery: the unit of work (store/transaction.ts) calls it after a commit that wrote outbox
   * rows, so delivery starts at once; the outbox schedule calls it to sweep. Services never call it.
   */
  outboxWritten: () => void;
  /**
   * Outbox kinds only some platforms deliver (a Slack App Home refresh), as the delivery targets
   * started in this process declared them (jobs/target.ts): such a row is written only when a
   * target will read it, so no service asks which platform is configured.
   */
  deliverable?: Set<string>;
  /** Counters the jobs and webhooks move; /metrics serves them. */
  metrics?: StewardMetrics;
}

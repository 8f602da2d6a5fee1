import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  // Logs go to stderr so the terminal chat and `steward run` keep stdout for replies.
  return pino({ level, base: undefined }, pino.destination(2));
}

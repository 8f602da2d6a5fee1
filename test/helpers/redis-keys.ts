// A shared Redis for processes started by a drill or a benchmark: their own logical database, and only
// Steward's keys removed afterwards.
import type { Redis } from "ioredis";

/** `url` pointed at logical database `db`. */
export function redisUrlOnDb(url: string, db: number): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Deletes Steward's keys (SCAN, never FLUSH: the server is shared). */
export async function clearStewardKeys(redis: Redis): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", "steward:*", "COUNT", 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== "0");
}

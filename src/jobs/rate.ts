// Keeps delivery inside each platform's allowed rate. Every call to a target
// first reserves a slot: slots of one key are `spacingMs` apart, so the
// platform sees an even stream at its limit instead of bursts and 429s. The
// in-memory gate serves one process; the Redis gate shares the slots between
// every process delivering for the same bot. Real time, never app.now():
// platforms count wall-clock seconds, and tests run on fixed clocks.
import type { Redis } from "ioredis";

export interface Reservation {
  /** False when the next slot is further away than the caller wanted to wait; nothing was reserved. */
  reserved: boolean;
  /** Milliseconds until the slot (reserved) or until the next free slot (not reserved). */
  waitMs: number;
}

export interface RateGate {
  /** `spacingMs` may be fractional (1000 / 48 requests a second). */
  reserve(key: string, spacingMs: number, maxWaitMs: number): Promise<Reservation>;
  /** The platform said wait (429 Retry-After): nobody gets a slot of this key before then. */
  block(key: string, ms: number): Promise<void>;
}

/** The real time rate slots are counted in; tests pass a virtual one so spacing is checked without waiting. */
export interface WallClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: WallClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export function memoryGate(clock: WallClock = realClock): RateGate {
  const next = new Map<string, number>();
  return {
    reserve: async (key, spacingMs, maxWaitMs) => {
      const now = clock.now();
      const slot = Math.max(now, next.get(key) ?? 0);
      const waitMs = slot - now;
      if (waitMs > maxWaitMs) return { reserved: false, waitMs };
      next.set(key, slot + spacingMs);
      return { reserved: true, waitMs };
    },
    block: async (key, ms) => {
      next.set(key, Math.max(next.get(key) ?? 0, clock.now() + ms));
    },
  };
}

// Atomic in Redis, on Redis's own clock, so processes with skewed clocks still share one schedule.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, nxt)
local wait = slot - now
if wait > tonumber(ARGV[2]) then return {0, wait} end
local spacing = tonumber(ARGV[1])
redis.call('SET', KEYS[1], slot + spacing, 'PX', math.ceil(wait + spacing + 1000))
return {1, wait}
`;

const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > nxt then redis.call('SET', KEYS[1], until_, 'PX', tonumber(ARGV[1]) + 1000) end
return 1
`;

export function redisGate(redis: Redis, prefix: string): RateGate {
  return {
    reserve: async (key, spacingMs, maxWaitMs) => {
      const [ok, wait] = (await redis.eval(RESERVE, 1, `${prefix}:rate:${key}`, spacingMs, maxWaitMs)) as [number, number];
      return { reserved: ok === 1, waitMs: Number(wait) };
    },
    block: async (key, ms) => {
      await redis.eval(BLOCK, 1, `${prefix}:rate:${key}`, Math.ceil(ms));
    },
  };
}

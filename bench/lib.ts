// What every benchmark shares: a fresh database (in-memory PGlite, or a new
// PostgreSQL database when DATABASE_URL is set, dropped afterwards), a counter
// of SQL round trips, latency statistics and memory readings, and the
// printing. Figures are always shown beside a baseline measured in the same
// run, so they mean something on any machine.
import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { configSchema, type Config } from "../src/config.ts";
import { createLogger } from "../src/log.ts";
import { createRuntime, type Runtime } from "../src/runtime.ts";
import { scratchDatabase } from "../test/helpers/scratch-db.ts";

export type Scale = "small" | "full";
export type StoreKind = "pglite" | "postgres";

export const storeKind: StoreKind = process.env.DATABASE_URL ? "postgres" : "pglite";

/** Postgres runs the sizes the issues name; PGlite (one in-process connection) a tenth of them unless asked. */
export function benchScale(): Scale {
  const s = process.env.BENCH_SCALE;
  if (s === "small" || s === "full") return s;
  if (s) throw new Error(`BENCH_SCALE must be small or full, not "${s}"`);
  return storeKind === "postgres" ? "full" : "small";
}

export function benchConfig(env: Record<string, string> = {}): Config {
  return configSchema.parse({ STEWARD_MODERATORS: "mod", LOG_LEVEL: "silent", ...env });
}

export interface BenchRuntime extends Runtime {
  kind: StoreKind;
  /** The scratch database's URL on PostgreSQL (other processes can join it). */
  url?: string;
  /** SQL statements sent to the database since the last reset (every client of this runtime). */
  queries: QueryCounter;
}

export interface QueryCounter {
  count: number;
  reset(): void;
}

// Counting at the driver: pg's Client.query is what Prisma's pg adapter and the raw runner both
// call, once per statement sent. Patched once for the process; each runtime counts its own database.
const pgCounters = new Map<string, QueryCounter>();
let pgPatched = false;
function patchPg(): void {
  if (pgPatched) return;
  pgPatched = true;
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const counter = pgCounters.get(this.database ?? "");
    if (counter) counter.count++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
}

function counter(): QueryCounter {
  const c: QueryCounter = {
    count: 0,
    reset: () => {
      c.count = 0;
    },
  };
  return c;
}

/** PGlite answers in-process: a "round trip" is one call into it (query, exec, or a transaction's statements). */
function countPglite(lite: PGlite, c: QueryCounter): void {
  const query = lite.query.bind(lite);
  const exec = lite.exec.bind(lite);
  const transaction = lite.transaction.bind(lite);
  lite.query = ((...a: Parameters<PGlite["query"]>) => {
    c.count++;
    return query(...a);
  }) as PGlite["query"];
  lite.exec = ((...a: Parameters<PGlite["exec"]>) => {
    c.count++;
    return exec(...a);
  }) as PGlite["exec"];
  lite.transaction = ((fn: Parameters<PGlite["transaction"]>[0]) =>
    transaction(async (tx) => {
      c.count += 2; // BEGIN and COMMIT
      const q = tx.query.bind(tx);
      const e = tx.exec.bind(tx);
      tx.query = ((...a: Parameters<typeof tx.query>) => {
        c.count++;
        return q(...a);
      }) as typeof tx.query;
      tx.exec = ((...a: Parameters<typeof tx.exec>) => {
        c.count++;
        return e(...a);
      }) as typeof tx.exec;
      return fn(tx);
    })) as PGlite["transaction"];
}

/** A migrated, empty database of the configured kind; close() removes it. */
export async function benchRuntime(env: Record<string, string> = {}): Promise<BenchRuntime> {
  const config = benchConfig(env);
  const log = createLogger("silent");
  const queries = counter();
  if (storeKind === "pglite") {
    const runtime = await createRuntime(config, { log, store: { dataDir: "memory" } });
    const lite = (runtime.store as typeof runtime.store & { lite?: PGlite }).lite;
    if (lite) countPglite(lite, queries);
    return { ...runtime, kind: "pglite", queries };
  }
  const db = await scratchDatabase(process.env.DATABASE_URL as string, "steward_bench");
  patchPg();
  pgCounters.set(db.name, queries);
  const runtime = await createRuntime(config, { log, store: { databaseUrl: db.url } });
  return {
    ...runtime,
    kind: "postgres",
    url: db.url,
    queries,
    close: async () => {
      pgCounters.delete(db.name);
      await runtime.close();
      await db.drop();
    },
  };
}

export interface Stats {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function stats(samplesMs: number[]): Stats {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { n: s.length, mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length), p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s.at(-1) ?? 0 };
}

/** Runs `fn` `n` times one after another; returns each call's milliseconds. */
export async function timeEach(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

/**
 * A figure and its baseline sampled alternately, so both see the same load: on a busy machine
 * two separate runs of a few seconds each can meet very different moments.
 */
export async function timePaired(n: number, baseline: () => Promise<unknown>, fn: (i: number) => Promise<unknown>): Promise<{ base: number[]; figure: number[] }> {
  const base: number[] = [];
  const figure: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await baseline();
    base.push(performance.now() - t);
    t = performance.now();
    await fn(i);
    figure.push(performance.now() - t);
  }
  return { base, figure };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

export interface Memory {
  rssMb: number;
  heapMb: number;
}

export function memory(): Memory {
  const m = process.memoryUsage();
  return { rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 };
}

/** Memory after minus before; a collection first when node runs with --expose-gc, so the heap figure is live data. */
export function memoryDelta(before: Memory): string {
  const after = memory();
  return `rss ${after.rssMb.toFixed(0)} MB (${signed(after.rssMb - before.rssMb)}), heap ${after.heapMb.toFixed(0)} MB (${signed(after.heapMb - before.heapMb)})`;
}

function signed(mb: number): string {
  return `${mb >= 0 ? "+" : ""}${mb.toFixed(1)} MB`;
}

/** The process's peak resident set so far (getrusage), in MiB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`);
export const ratio = (x: number, base: number) => `${(x / base).toFixed(2)}×`;
export const fmtStats = (s: Stats) => `mean ${ms(s.mean)}, p50 ${ms(s.p50)}, p95 ${ms(s.p95)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (n=${s.n})`;

export function heading(title: string): void {
  console.log(`\n=== ${title} ===`);
}

export function line(label: string, value: string): void {
  console.log(`  ${label.padEnd(34)} ${value}`);
}

/** A deterministic pseudo-random sequence, so two runs pick the same members. */
export function rng(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

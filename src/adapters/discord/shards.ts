// One gateway session per shard, across every `steward serve` on the
// database. Each shard has a lease "discord-shard:<n>" (the same table and
// statement as the inbound-event claims, store/lease.ts); the process holding
// it runs that shard's session and renews the lease every `renewEveryMs`,
// saving the session (gateway.ts) with each renewal. Every process tries the
// shards it does not hold on the same beat, so when a holder dies (it stops
// renewing) another takes the shard within `ttlMs + renewEveryMs` and resumes
// the session. A holder that finds its lease taken (it was paused past the
// expiry) drops its session at once.
//
// The shard count is what Discord recommends (GET /gateway/bot) when the first
// process starts; later processes adopt the count the live leases were split
// by, so every process agrees on which shard a guild is in.
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { Routes, type REST } from "discord.js";
import type { App } from "../../app.ts";
import { withTimeout } from "../../core/timeout.ts";
import { dropAnsweredInteractionClaims, keepShard, liveShards, readShard, releaseShard, saveShardSession, SHARD_LEASE_PREFIX, takeShard, type KeptLease } from "../../services/gateway-leases.ts";
import type { Connected, ShardGateway, StoredSession } from "./gateway.ts";

export { SHARD_LEASE_PREFIX };
/** Production timing: a dead holder's shard is taken within 15 + 5 s, inside the 30 s bound, and resumed. */
export const SHARD_LEASE = { ttlMs: 15_000, renewEveryMs: 5_000 };

/** How long a session may take to come up (connect, resume or identify, and fill a refused resume's gap). */
const CONNECT_TIMEOUT_MS = 120_000;

export interface ShardLeaseTiming {
  ttlMs: number;
  renewEveryMs: number;
}

export interface ShardsOptions {
  app: App;
  shardCount: number;
  timing?: ShardLeaseTiming;
  /** Defaults to host:pid:random, which is what an operator reads in the leases table. */
  holder?: string;
  open(shardId: number, previous: StoredSession | null, holder: string): ShardGateway;
}

export interface ShardTaken {
  shardId: number;
  how: Connected;
  holder: string;
  /** How long after the previous holder's lease ran out (0 when nobody held it). */
  afterExpiryMs: number;
}

export interface Shards {
  holder: string;
  shardCount: number;
  /** "taken" (ShardTaken), "lost" ({ shardId }) and "error" ({ shardId, err }). */
  events: EventEmitter;
  held(): number[];
  /** Hands every shard over: sessions closed resumably, their state saved, leases released. */
  stop(): Promise<void>;
  /** Stops renewing and drops every session without a word, as a SIGKILL would (tests); resolves once saves already sent have landed. */
  kill(): Promise<void>;
}

/** The shard count every process uses: the live leases' split when there is one, else Discord's recommendation. */
export async function shardCountFor(app: App, rest: REST): Promise<number> {
  const live = await liveShards<StoredSession>(app);
  const agreed = live.map((l) => l.state?.shardCount).find((n): n is number => typeof n === "number" && n > 0);
  if (agreed) return agreed;
  const info = (await rest.get(Routes.gatewayBot())) as { shards: number };
  return Math.max(1, info.shards);
}

export function runShards(options: ShardsOptions): Shards {
  const { app, shardCount } = options;
  const timing = options.timing ?? SHARD_LEASE;
  const holder = options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const events = new EventEmitter();
  const running = new Map<number, { gateway: ShardGateway; lease: KeptLease }>();
  let stopped = false;
  let lastDrop = Date.now();
  let tick: Promise<unknown> = Promise.resolve();

  const drop = (shardId: number) => {
    const r = running.get(shardId);
    if (!r) return;
    running.delete(shardId);
    r.lease.abandon();
    r.gateway.kill();
    void r.gateway.client.destroy().catch(() => undefined);
  };

  const take = async (shardId: number) => {
    const before = await readShard<StoredSession>(app, shardId);
    const now = app.now();
    if (!(await takeShard(app, shardId, holder, timing.ttlMs))) return;
    // The state the last holder saved (taking the lease keeps it).
    const previous = (await readShard<StoredSession>(app, shardId))?.state ?? null;
    // (A session of another shard split is not resumed: @discordjs/ws identifies, and gateway.ts fills the gap.)
    let saving: Promise<unknown> | undefined;
    const lease = keepShard(app, shardId, holder, {
      ...timing,
      onLost: () => {
        app.log.warn({ shard: shardId, holder }, "discord shard lease taken by another process; dropping its session here");
        drop(shardId);
        events.emit("lost", { shardId });
      },
      onRenewed: async () => {
        // Saving waits for the running handlers, which a busy shard may make slow: it must never hold up the next
        // renewal (a lease that runs out under load would start a second session), so it runs beside the beat.
        if (!saving) {
          saving = save(shardId)
            .catch((err: unknown) => app.log.warn({ err, shard: shardId }, "discord shard session not saved; the next beat saves it"))
            .finally(() => {
              if (saving) saves.delete(saving);
              saving = undefined;
            });
          saves.add(saving);
        }
        if (Date.now() - lastDrop > 60_000) {
          lastDrop = Date.now();
          await dropAnsweredInteractionClaims(app);
        }
      },
      onError: (err) => app.log.warn({ err, shard: shardId }, "discord shard lease not renewed; the next beat tries again"),
    });
    const gateway = options.open(shardId, previous, holder);
    running.set(shardId, { gateway, lease });
    try {
      // A gateway that never answers must not keep the shard here: after a while another process may try.
      const how = await withTimeout(gateway.connected, CONNECT_TIMEOUT_MS, "timeout" as const);
      if (how === "timeout") throw new Error(`the gateway session did not come up in ${CONNECT_TIMEOUT_MS / 1000} s`);
      if (!running.has(shardId)) return;
      const state = await gateway.checkpoint();
      if (state) await saveShardSession(app, shardId, holder, state);
      const afterExpiryMs = before && before.holder !== holder ? Math.max(0, now.getTime() - before.expiresAt.getTime()) : 0;
      const taken: ShardTaken = { shardId, how, holder, afterExpiryMs };
      app.log.info({ shard: shardId, shards: shardCount, how, holder, previousHolder: before?.holder ?? null, afterExpiryMs }, "discord shard taken");
      events.emit("taken", taken);
    } catch (err) {
      app.log.error({ err, shard: shardId }, "discord shard session did not start; the lease is given up for another try");
      running.delete(shardId);
      lease.abandon();
      gateway.kill();
      await gateway.client.destroy().catch(() => undefined);
      await releaseShard(app, shardId, holder).catch(() => undefined);
      events.emit("error", { shardId, err });
    }
  };

  const saves = new Set<Promise<unknown>>();
  const save = async (shardId: number) => {
    const r = running.get(shardId);
    const state = r ? await r.gateway.checkpoint() : null;
    // Dropped or killed meanwhile: what it would save is no longer this process's to say.
    if (state && running.get(shardId) === r) await saveShardSession(app, shardId, holder, state);
  };

  const beat = async () => {
    for (let shardId = 0; shardId < shardCount && !stopped; shardId++) if (!running.has(shardId)) await take(shardId);
  };
  const step = () => {
    tick = tick.then(beat).catch((err: unknown) => app.log.warn({ err }, "discord shards: a beat failed; the next one tries again"));
  };
  step();
  const timer = setInterval(step, timing.renewEveryMs);
  timer.unref();

  return {
    holder,
    shardCount,
    events,
    held: () => [...running.keys()].sort((a, b) => a - b),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await tick;
      await Promise.allSettled(
        [...running.entries()].map(async ([shardId, r]) => {
          running.delete(shardId);
          r.lease.abandon();
          const last = await r.gateway.stop();
          if (last) await saveShardSession(app, shardId, holder, last);
          await releaseShard(app, shardId, holder);
        }),
      );
    },
    kill: async () => {
      stopped = true;
      clearInterval(timer);
      for (const [shardId, r] of [...running.entries()]) {
        running.delete(shardId);
        r.lease.abandon();
        r.gateway.kill();
        void r.gateway.client.destroy().catch(() => undefined);
      }
      await Promise.allSettled([...saves]);
    },
  };
}

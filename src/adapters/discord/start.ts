// Discord for one `steward serve`: the REST client in every process, the gateway shards by lease
// (shards.ts, gateway.ts). Apart from client.ts because the shard sessions build their clients with it.
import type { Registry } from "../../kit/framework.ts";
import type { DeliveryTarget } from "../../jobs/target.ts";
import type { Route } from "../../http/server.ts";
import type { Runtime } from "../../runtime.ts";
import type { StartContext, StartedPlatform } from "../platform.ts";
import { withTimeout } from "../../core/timeout.ts";
import { attachDiscord, createDiscordClient } from "./client.ts";
import { openShardGateway } from "./gateway.ts";
import { runShards, shardCountFor, type ShardLeaseTiming, type Shards } from "./shards.ts";

const STOP_TIMEOUT_MS = 10_000;

export interface StartedDiscord {
  target: DeliveryTarget;
  /** POST /discord/interactions when DISCORD_PUBLIC_KEY is set. */
  route?: Route;
  isModerator(userId: string): Promise<boolean>;
  /** The gateway shards this process may hold (shards.ts). */
  shards: Shards;
  stop(): Promise<void>;
}

/**
 * Discord for one `steward serve`: REST (the delivery target, moderator checks, interactions over HTTP) in every
 * process, and the gateway only for the shards whose lease this process holds (shards.ts), so several processes
 * with one token see each event once. `shardLease` shortens the lease for tests; production uses SHARD_LEASE.
 */
export async function startDiscord(runtime: Runtime, registry: Registry, options: { shardLease?: ShardLeaseTiming } = {}): Promise<StartedDiscord> {
  const { app } = runtime;
  const token = app.config.DISCORD_TOKEN;
  if (!token) throw new Error("DISCORD_TOKEN is not set");
  const client = createDiscordClient(app.config);
  client.token = token;
  client.rest.setToken(token);
  const attached = attachDiscord(client, app, registry);
  const shardCount = await shardCountFor(app, client.rest);
  const shards = runShards({
    app,
    shardCount,
    ...(options.shardLease ? { timing: options.shardLease } : {}),
    open: (shardId, previous, holder) =>
      openShardGateway({ app, registry, token, shardId, shardCount, holder, previous, interactions: !app.config.DISCORD_PUBLIC_KEY }),
  });
  shards.events.on("taken", (t: { shardId: number; how: string }) => app.log.info({ shard: t.shardId, how: t.how }, "discord connected"));
  return {
    target: attached.target,
    ...(attached.route ? { route: attached.route } : {}),
    isModerator: attached.isModerator,
    shards,
    stop: async () => {
      await withTimeout(shards.stop(), STOP_TIMEOUT_MS, "timeout");
      attached.detach();
    },
  };
}

/** Discord as main.ts starts it (src/adapters/platform.ts). */
export async function start({ runtime, registry }: StartContext): Promise<StartedPlatform> {
  const discord = await startDiscord(runtime, registry);
  return {
    name: discord.route ? "discord (interactions over HTTP)" : "discord",
    platform: "discord",
    target: discord.target,
    ...(discord.route ? { routes: [discord.route] } : {}),
    isModerator: discord.isModerator,
    stop: discord.stop,
  };
}

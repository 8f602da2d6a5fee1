// One gateway shard's session, in the process that holds the shard's lease
// (shards.ts). The session lives in the lease, not in the process: the
// session id, resume URL and the sequence number of the last event whose
// handler finished are saved at every renewal, and whoever takes the shard
// over RESUMES that session, so Discord replays what it sent since (the
// events the dead holder received but had not finished are among them, and
// count once: messages are keyed on their id, interactions claimed once).
// Where Discord refuses the resume (INVALID_SESSION), the client identifies
// anew and the missed minutes are read back from the channels' history with
// the backfill's own code.
//
// @discordjs/ws keeps session info through `retrieveSessionInfo` /
// `updateSessionInfo`; discord.js's Client wires those to its own shard
// objects, so they are wrapped here through the one hook the Client passes
// on (`ws.buildStrategy`, given the ws manager before any shard connects).
import { SimpleShardingStrategy, type SessionInfo, type WebSocketManager as WsManager } from "@discordjs/ws";
import { ClientApplication, ClientUser, GatewayDispatchEvents, Routes, type APIApplication, type APIUser, type Client } from "discord.js";
import type { App } from "../../app.ts";
import type { Registry } from "../../kit/framework.ts";
import { backfill, Pacer, realClock } from "../../services/backfill.ts";
import { claimGatewayInteraction } from "../../services/gateway-leases.ts";
import { attachDiscord, createDiscordClient } from "./client.ts";
import { discordCommunityChannels, discordHistorySources } from "./history.ts";

/** What a holder leaves in the shard's lease for its successor. */
export interface StoredSession {
  sessionId: string;
  /** The last event whose handler finished: a resume replays everything after it. */
  sequence: number;
  resumeURL: string;
  shardId: number;
  shardCount: number;
  /** When `sequence` was last saved: a refused resume reads history back from a little before this. */
  savedAt: string;
}

/** How the session came up: the previous one resumed, a first identify, or an identify because the resume was refused. */
export type Connected = "resumed" | "identified" | "refused";

/** Events saved as finished may still have been in flight a little before `savedAt`. */
const GAP_MARGIN_MS = 60_000;

export interface ShardGatewayOptions {
  app: App;
  registry: Registry;
  token: string;
  shardId: number;
  shardCount: number;
  /** Who holds the shard (for the interaction claims). */
  holder: string;
  previous: StoredSession | null;
  /** With interactions over HTTP (DISCORD_PUBLIC_KEY), the gateway carries none: any that arrive are left alone. */
  interactions: boolean;
  /** Fills a refused resume's gap; the default reads the community channels' history since `since`. */
  fillGap?: (since: Date) => Promise<number>;
}

export interface ShardGateway {
  client: Client;
  /** Resolves once the session is up, with how it came up (and after a refused resume, once the gap is filled). */
  connected: Promise<Connected>;
  /** The session to save now: up to the last event whose handler finished (null before READY). */
  checkpoint(): Promise<StoredSession | null>;
  /**
   * Stops handling events, waits for the running handlers and closes the connection so that the session stays
   * resumable; answers the session to leave for a successor.
   */
  stop(): Promise<StoredSession | null>;
  /** Drops the connection without a word and handles nothing more: how a killed holder looks to Discord (tests). */
  kill(): void;
}

interface WsShardInternals {
  connection: { onclose: unknown; onmessage: unknown; terminate?: () => void; close(code?: number): void } | null;
  heartbeatInterval: NodeJS.Timeout | null;
}

export function openShardGateway(options: ShardGatewayOptions): ShardGateway {
  const { app, shardId, shardCount } = options;
  let current: SessionInfo | null = options.previous
    ? { sessionId: options.previous.sessionId, sequence: options.previous.sequence, resumeURL: options.previous.resumeURL, shardId, shardCount: options.previous.shardCount }
    : null;
  let saved: StoredSession | null = options.previous;
  let stopping = false;
  let manager: WsManager | undefined;

  const client = createDiscordClient(app.config, {
    shards: [shardId],
    shardCount,
    ws: {
      buildStrategy: (m) => {
        manager = m;
        // discord.js's own store (its shard's sessionInfo) must follow too: its RESUMED handler reads it.
        const theirs = { retrieve: m.options.retrieveSessionInfo, update: m.options.updateSessionInfo };
        let synced = false;
        const options_ = m.options as { retrieveSessionInfo: typeof theirs.retrieve; updateSessionInfo: typeof theirs.update };
        options_.retrieveSessionInfo = (id) => {
          if (!synced) {
            synced = true;
            void theirs.update(id, current);
          }
          return current;
        };
        options_.updateSessionInfo = (id, info) => {
          // A stop or kill clears the session as it closes; the successor still needs it.
          if (stopping) return;
          current = info;
          void theirs.update(id, info);
        };
        return new SimpleShardingStrategy(m);
      },
    },
  });

  // A replayed INTERACTION_CREATE (the predecessor answered it before its last save) is not answered again.
  const claim = (interactionId: string) => claimGatewayInteraction(app, interactionId, options.holder);
  const attached = attachDiscord(client, app, options.registry, { interactions: options.interactions, claimInteraction: claim });
  client.on("error", (err) => app.log.error({ err, shard: shardId }, "discord client error"));

  const fillGap = options.fillGap ?? ((since: Date) => fillFromHistory(app, since));
  let resumed = false;
  const connected = new Promise<Connected>((resolve, reject) => {
    client.ws.once(GatewayDispatchEvents.Resumed, () => {
      resumed = true;
      // A session resumed by a client that never saw its READY: the caches READY and GUILD_CREATE fill are read
      // from REST instead, and only then does the client take the events Discord replayed (it held them).
      adoptResumedSession(client, app, shardId, shardCount).then(
        () => resolve("resumed"),
        (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
      );
    });
    client.once("clientReady", () => {
      // A resumed session turns the client ready too (adoptResumedSession), without a READY.
      if (resumed) return;
      if (!options.previous) return resolve("identified");
      // READY after a resume was asked for: Discord refused it. What it would have replayed is read from history.
      const since = new Date(new Date(options.previous.savedAt).getTime() - GAP_MARGIN_MS);
      app.log.warn({ shard: shardId, since }, "discord refused to resume the shard's session; reading the missed minutes from the channels' history");
      fillGap(since).then(
        (counted) => {
          app.log.info({ shard: shardId, since, counted }, "discord gap filled from history");
          resolve("refused");
        },
        (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
      );
    });
  });
  // The caller awaits `connected`; login failures reject it too.
  const login = client.login(options.token);
  const up = Promise.all([login, connected]).then(([, how]) => how);
  // A caller that gave up waiting (shards.ts's timeout) leaves nobody to hear a later failure.
  up.catch(() => undefined);

  const wsShard = (): WsShardInternals | undefined =>
    (manager as unknown as { strategy?: { shards?: Map<number, WsShardInternals> } } | undefined)?.strategy?.shards?.get(shardId);

  const checkpoint = async (settle: () => Promise<void>) => {
    if (!current) return saved;
    // Only events already handed to a handler are covered; ones discord.js still holds (before ready) are not.
    const queue = (client.ws as unknown as { packetQueue: unknown[] }).packetQueue;
    if (!client.isReady() || queue.length > 0) return saved;
    const upTo = current;
    await settle();
    saved = { sessionId: upTo.sessionId, sequence: upTo.sequence, resumeURL: upTo.resumeURL, shardId, shardCount: upTo.shardCount, savedAt: app.now().toISOString() };
    return saved;
  };

  return {
    client,
    connected: up,
    checkpoint: () => checkpoint(() => attached.settled()),
    stop: async () => {
      // From here the sequence stays at the last event handed to a handler: later ones are the successor's.
      stopping = true;
      attached.detach();
      const last = await checkpoint(() => attached.idle());
      // 4200 (not 1000) keeps the session resumable on Discord's side: the next holder resumes instead of identifying.
      await Promise.resolve(manager?.destroy({ code: 4200, reason: "handing the shard over" })).catch(() => undefined);
      await client.destroy();
      return last;
    },
    kill: () => {
      stopping = true;
      attached.detach();
      const shard = wsShard();
      if (shard?.heartbeatInterval) clearInterval(shard.heartbeatInterval);
      const connection = shard?.connection;
      if (connection) {
        connection.onclose = null;
        connection.onmessage = null;
        if (connection.terminate) connection.terminate();
        else connection.close(4000);
      }
    },
  };
}

async function adoptResumedSession(client: Client, app: App, shardId: number, shardCount: number): Promise<void> {
  if (client.isReady()) return;
  const mutable = client as unknown as { user: ClientUser | null; application: ClientApplication | null };
  const user = (await client.rest.get(Routes.user())) as APIUser;
  const me = new (ClientUser as unknown as new (c: Client, d: APIUser) => ClientUser)(client, user);
  mutable.user = me;
  client.users.cache.set(me.id, me);
  const application = (await client.rest.get(Routes.currentApplication())) as APIApplication;
  mutable.application = new (ClientApplication as unknown as new (c: Client, d: APIApplication) => ClientApplication)(client, application);
  const ids = app.config.DISCORD_GUILD_ID ? [app.config.DISCORD_GUILD_ID] : [...(await client.guilds.fetch()).keys()];
  for (const id of ids) {
    if (Number((BigInt(id) >> 22n) % BigInt(shardCount)) !== shardId) continue;
    const guild = await client.guilds.fetch({ guild: id, force: true });
    await guild.channels.fetch();
  }
  // The shard is Ready since RESUMED; this marks the client ready and hands it the events it held.
  (client.ws as unknown as { checkShardsReady(): void }).checkShardsReady();
}

/** The community channels' messages since `since`, counted as the live path counts them (keys dedupe any already counted). */
export async function fillFromHistory(app: App, since: Date): Promise<number> {
  const token = app.config.DISCORD_TOKEN;
  if (!token) return 0;
  const pacer = new Pacer(realClock);
  const { mapped } = await discordCommunityChannels(app, pacer);
  const sources = discordHistorySources({ token, apiUrl: app.config.DISCORD_API_URL ?? "https://discord.com/api", channels: mapped, since, pacer });
  // No checkpoints: this is not `steward backfill`, and its "history imported up to" must not move.
  const result = await backfill(app, sources, { since, checkpoints: false });
  return result.sources.reduce((n, s) => n + s.counted, 0);
}

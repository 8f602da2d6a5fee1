// A local Discord gateway (v10, JSON, no compression) for the REST fake's
// `GET /gateway/bot` to point at: enough of the protocol for discord.js 14
// (@discordjs/ws): HELLO, heartbeats and their ACKs, IDENTIFY → READY (with
// session_id and resume_gateway_url) and GUILD_CREATE, RESUME → the missed
// events replayed with their sequence numbers, then RESUMED, or INVALID_SESSION
// when the session is gone. Like Discord, every dispatch goes to every session
// of the shard it belongs to (guild_id >> 22 % shard count), which is why two
// processes with one token both see each event; a session whose connection
// dropped without a clean close keeps its events for a RESUME, and a close
// with 1000/1001 ends it.
import { EventEmitter } from "node:events";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { rawGuild, type FakeGuild } from "./fake-discord.ts";

export interface GatewaySession {
  id: string;
  shard: [number, number];
  /** The last sequence number sent (or buffered) on this session. */
  seq: number;
  /** Dispatches sent on this session, for a RESUME to replay. */
  buffer: { s: number; t: string; d: unknown }[];
  socket: WebSocket | undefined;
  /** Ended: a RESUME of it is refused. */
  ended: boolean;
}

export interface GatewayLog {
  identifies: { sessionId: string; shard: [number, number] }[];
  resumes: { sessionId: string; seq: number; accepted: boolean; replayed: number }[];
}

export interface FakeGateway extends GatewayLog {
  /** ws://127.0.0.1:port, what GET /gateway/bot answers as `url`. */
  url: string;
  sessions: Map<string, GatewaySession>;
  /** Emits "identify", "ready", "resume", "resumed", "invalid-session" with the session. */
  events: EventEmitter;
  /** Sends a dispatch to every live session of the shard that `guildId` belongs to (shard 0 without one). */
  dispatch(t: string, d: Record<string, unknown>, guildId?: string): void;
  /** Ends a session as Discord does when it can no longer be resumed: its next RESUME gets INVALID_SESSION. */
  endSession(sessionId: string): void;
  /** Sessions that are connected now. */
  connected(): GatewaySession[];
  close(): Promise<void>;
}

export interface FakeGatewayOptions {
  token: string;
  guild: FakeGuild;
  applicationId: string;
  /** What HELLO says; discord.js sends its first heartbeat at a random fraction of it. */
  heartbeatIntervalMs?: number;
}

const OP = { dispatch: 0, heartbeat: 1, identify: 2, resume: 6, reconnect: 7, invalidSession: 9, hello: 10, heartbeatAck: 11 } as const;

export const shardOf = (guildId: string, count: number) => Number((BigInt(guildId) >> 22n) % BigInt(count));

export async function startFakeGateway(options: FakeGatewayOptions): Promise<FakeGateway> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sessions = new Map<string, GatewaySession>();
  const events = new EventEmitter();
  const log: GatewayLog = { identifies: [], resumes: [] };
  let n = 0;

  const send = (socket: WebSocket | undefined, payload: unknown) => {
    if (socket && socket.readyState === socket.OPEN) socket.send(JSON.stringify(payload));
  };
  const emitTo = (session: GatewaySession, t: string, d: unknown) => {
    const s = ++session.seq;
    session.buffer.push({ s, t, d });
    // Discord keeps a bounded backlog per session; a small one is enough here.
    if (session.buffer.length > 20_000) session.buffer.shift();
    send(session.socket, { op: OP.dispatch, t, s, d });
  };

  server.on("connection", (socket) => {
    let session: GatewaySession | undefined;
    send(socket, { op: OP.hello, d: { heartbeat_interval: options.heartbeatIntervalMs ?? 41_250 } });
    socket.on("message", (raw) => {
      const msg = JSON.parse(String(raw)) as { op: number; d: Record<string, unknown> | number | null };
      if (msg.op === OP.heartbeat) return send(socket, { op: OP.heartbeatAck });
      if (msg.op === OP.identify) {
        const d = msg.d as { token: string; shard?: [number, number] };
        if (d.token !== options.token) return socket.close(4004, "Authentication failed.");
        const shard = d.shard ?? [0, 1];
        session = { id: `session-${++n}`, shard, seq: 0, buffer: [], socket, ended: false };
        sessions.set(session.id, session);
        log.identifies.push({ sessionId: session.id, shard });
        events.emit("identify", session);
        const mine = shardOf(options.guild.id, shard[1]) === shard[0];
        emitTo(session, "READY", {
          v: 10,
          user: { id: options.applicationId, username: "steward", discriminator: "0", global_name: null, avatar: null, bot: true, flags: 0 },
          guilds: mine ? [{ id: options.guild.id, unavailable: true }] : [],
          session_id: session.id,
          resume_gateway_url: url,
          shard,
          application: { id: options.applicationId, flags: 0 },
        });
        if (mine) emitTo(session, "GUILD_CREATE", rawGuild(options.guild));
        events.emit("ready", session);
        return;
      }
      if (msg.op === OP.resume) {
        const d = msg.d as { token: string; session_id: string; seq: number };
        const known = sessions.get(d.session_id);
        if (d.token !== options.token) return socket.close(4004, "Authentication failed.");
        if (!known || known.ended) {
          log.resumes.push({ sessionId: d.session_id, seq: d.seq, accepted: false, replayed: 0 });
          events.emit("invalid-session", d.session_id);
          return send(socket, { op: OP.invalidSession, d: false });
        }
        // A session has one connection: one that is still attached loses it.
        if (known.socket && known.socket !== socket) known.socket.terminate();
        session = known;
        known.socket = socket;
        const missed = known.buffer.filter((e) => e.s > d.seq);
        log.resumes.push({ sessionId: known.id, seq: d.seq, accepted: true, replayed: missed.length });
        events.emit("resume", known);
        for (const e of missed) send(socket, { op: OP.dispatch, t: e.t, s: e.s, d: e.d });
        emitTo(known, "RESUMED", {});
        events.emit("resumed", known);
      }
    });
    socket.on("close", (code) => {
      if (!session || session.socket !== socket) return;
      session.socket = undefined;
      // A clean close ends the session on Discord (the bot goes offline); anything else leaves it resumable.
      if (code === 1000 || code === 1001) session.ended = true;
    });
  });

  return {
    url,
    sessions,
    events,
    ...log,
    dispatch: (t, d, guildId) => {
      for (const session of sessions.values()) {
        if (session.ended) continue;
        if (guildId !== undefined && shardOf(guildId, session.shard[1]) !== session.shard[0]) continue;
        if (guildId === undefined && session.shard[0] !== 0) continue;
        emitTo(session, t, d);
      }
    },
    endSession: (id) => {
      const s = sessions.get(id);
      if (s) s.ended = true;
    },
    connected: () => [...sessions.values()].filter((s) => s.socket !== undefined && !s.ended),
    close: async () => {
      for (const c of server.clients) c.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

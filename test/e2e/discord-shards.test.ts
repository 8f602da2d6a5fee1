// Two `steward serve`-like Discord adapters with one token, on one database, against a local gateway that
// (like Discord) sends every event to every session of a shard: the shard's session runs where its lease is
// held, so each message counts once and each interaction is acknowledged once; when the holder dies the
// other takes the shard over and RESUMES the session (no new IDENTIFY), and where the resume is refused the
// missed minutes are read back from the channel's history. The lease beats every 20 ms here, and "the
// lease ran out" is the test clock moved past it.
import { once } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { startDiscord, type StartedDiscord } from "../../src/adapters/discord/start.ts";
import type { StoredSession } from "../../src/adapters/discord/gateway.ts";
import { SHARD_LEASE_PREFIX, type ShardTaken } from "../../src/adapters/discord/shards.ts";
import { ensureMember } from "../../src/services/members.ts";
import { readLease, saveLeaseState } from "../../src/store/lease.ts";
import { eventually } from "../helpers/eventually.ts";
import { APP_ID, CHANNEL, GUILD_ID, ROLE, messageCreate, slashCommand, startFakeDiscord, type FakeDiscord, type FakeGuild } from "../helpers/fake-discord.ts";
import { startFakeGateway, type FakeGateway } from "../helpers/fake-gateway.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const TOKEN = "test-token";
const LEASE = { ttlMs: 10_000, renewEveryMs: 20 };
const alice = { id: "1400000000000000001", username: "alice" };
const kind = process.env.DATABASE_URL ? "postgres" : "pglite";

describe(`two processes with one Discord token (${kind})`, () => {
  let fake: FakeDiscord;
  let gateway: FakeGateway;
  let rt: TestRuntime;
  const started: StartedDiscord[] = [];

  const guild: FakeGuild = {
    id: GUILD_ID,
    roles: [{ id: ROLE.moderator, name: "Moderators" }],
    channels: Object.entries(CHANNEL).map(([name, id]) => ({ id, name })),
    members: new Map(),
  };

  async function serve(env: Record<string, string> = {}) {
    rt ??= await testRuntime(kind, { DISCORD_TOKEN: TOKEN, DISCORD_APPLICATION_ID: APP_ID, DISCORD_GUILD_ID: GUILD_ID, DISCORD_API_URL: fake.url, DISCORD_MODERATOR_ROLE: "Moderators", ...env });
    const discord = await startDiscord(rt, registry, { shardLease: LEASE });
    started.push(discord);
    return discord;
  }
  const taken = (d: StartedDiscord) => once(d.shards.events, "taken").then(([t]) => t as ShardTaken);
  const messages = () => rt.app.db.activity.count({ where: { kind: "message" } });
  /** Acknowledgements per interaction id (the callback route), for "once each". */
  const acks = () => {
    const per = new Map<string, number>();
    for (const r of fake.find("POST", /^\/interactions\/\d+\/[^/]+\/callback$/)) {
      const id = r.path.split("/")[2] as string;
      per.set(id, (per.get(id) ?? 0) + 1);
    }
    return per;
  };
  const say = (timestamp = "2026-11-25T12:00:00.000Z") => {
    const raw = messageCreate(GUILD_ID, CHANNEL.community, alice, { timestamp });
    gateway.dispatch("MESSAGE_CREATE", raw, GUILD_ID);
    return raw;
  };

  beforeEach(async () => {
    fake = await startFakeDiscord(guild, APP_ID);
    gateway = await startFakeGateway({ token: TOKEN, guild, applicationId: APP_ID });
    fake.gateway.url = gateway.url;
  });
  afterEach(async () => {
    for (const d of started.splice(0)) await d.stop();
    await gateway.close();
    await fake.close();
    await rt.close();
    rt = undefined as unknown as TestRuntime;
  });

  async function leader() {
    const member = await ensureMember(rt.app, "discord", alice.id, "alice");
    await rt.app.db.membership.create({ data: { memberId: member.id, programId: "community-leaders-velo", state: "active", joinedAt: rt.app.now() } });
  }

  it("runs the shard in one process; its holder dies and the other resumes the session, replaying what was not finished once; a stopped one hands it over", async () => {
    const a = await serve();
    expect(await taken(a)).toMatchObject({ shardId: 0, how: "identified" });
    const b = await serve();
    await leader();

    const interactions = [slashCommand({ applicationId: APP_ID, guildId: GUILD_ID, channelId: CHANNEL.general, user: alice }, "benefits"), slashCommand({ applicationId: APP_ID, guildId: GUILD_ID, channelId: CHANNEL.general, user: alice }, "points")];
    const before = (await readLease<StoredSession>(rt.app.sql, `${SHARD_LEASE_PREFIX}0`))?.state;
    for (const i of interactions) gateway.dispatch("INTERACTION_CREATE", i, GUILD_ID);
    say();
    say();
    await eventually(async () => (await messages()) === 2 && acks().size === 2);
    expect(a.shards.held()).toEqual([0]);
    expect(b.shards.held()).toEqual([]);
    expect(gateway.identifies).toHaveLength(1);

    // The holder dies having saved its sequence from before these events (as if it died before the next beat).
    await a.shards.kill();
    await saveLeaseState(rt.app.sql, `${SHARD_LEASE_PREFIX}0`, a.shards.holder, before);
    say();
    rt.clock.advance(LEASE.ttlMs + 1);
    expect(await taken(b)).toMatchObject({ shardId: 0, how: "resumed" });
    await eventually(async () => (await messages()) === 3);

    expect(gateway.identifies).toHaveLength(1);
    expect(gateway.resumes).toEqual([expect.objectContaining({ accepted: true, replayed: 5 })]);
    // Replayed: both interactions and both messages again; each interaction acknowledged once, each message counted once.
    await b.shards.stop();
    expect([...acks().values()]).toEqual([1, 1]);
    expect(await messages()).toBe(3);

    // A process stopped on purpose (a deploy) hands the session over too: the next one resumes it at once.
    const c = await serve();
    expect(await taken(c)).toMatchObject({ shardId: 0, how: "resumed" });
    expect(gateway.identifies).toHaveLength(1);
    // A resumed session saves its progress too (a later takeover replays from here, not from the start).
    say();
    await eventually(async () => (await messages()) === 4);
    await eventually(async () => (await readLease<StoredSession>(rt.app.sql, `${SHARD_LEASE_PREFIX}0`))?.state?.sequence === gateway.sessions.get("session-1")?.seq);
  });

  it("fills the gap from the channel's history when Discord refuses the resume", async () => {
    const a = await serve();
    await taken(a);
    const b = await serve();
    await leader();
    say();
    await eventually(async () => (await messages()) === 1);
    await eventually(async () => (await readLease<StoredSession>(rt.app.sql, `${SHARD_LEASE_PREFIX}0`))?.state?.sequence === gateway.sessions.get("session-1")?.seq);

    await a.shards.kill();
    const missed = say("2026-11-25T12:00:05.000Z");
    fake.history.set(CHANNEL.community, [missed]);
    gateway.endSession("session-1");
    rt.clock.advance(LEASE.ttlMs + 1);
    expect(await taken(b)).toMatchObject({ shardId: 0, how: "refused" });

    expect(gateway.resumes).toEqual([expect.objectContaining({ sessionId: "session-1", accepted: false })]);
    expect(gateway.identifies).toHaveLength(2);
    const rows = await rt.app.db.activity.findMany({ where: { kind: "message" }, orderBy: { occurredAt: "asc" } });
    expect(rows.map((r) => [r.dedupeKey, r.source])).toEqual([
      [expect.stringMatching(/^msg:discord:/), "message:discord"],
      [`msg:discord:${String(missed.id)}`, "history:discord"],
    ]);
    // "History imported up to" is `steward backfill`'s alone.
    expect(await rt.app.db.backfillCheckpoint.count()).toBe(0);
  });

  it("with DISCORD_PUBLIC_KEY the gateway session counts messages and answers no interaction", async () => {
    const a = await serve({ DISCORD_PUBLIC_KEY: "a".repeat(64) });
    await taken(a);
    await leader();
    gateway.dispatch("INTERACTION_CREATE", slashCommand({ applicationId: APP_ID, guildId: GUILD_ID, channelId: CHANNEL.general, user: alice }, "tier"), GUILD_ID);
    say();
    await eventually(async () => (await messages()) === 1);
    expect(acks().size).toBe(0);
  });
});

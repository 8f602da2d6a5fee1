// Discord Linked Roles, the whole flow through the real HTTP server and
// discord.js's REST client against the local fake Discord (OAuth2 included):
// the verification URL's redirect and its signed, cookie-bound state; forged,
// foreign and stale states refused before any code is exchanged; the code
// exchanged once, the member's values pushed, the tokens stored sealed;
// an expired token refreshed before a push, a revoked one forgotten; a tier
// change pushed once through the outbox; and logs without codes or tokens.
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { mountWeb } from "../../src/adapters/web/routes.ts";
import { startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { deliverDue } from "../../src/jobs/deliver.ts";
import { PermanentDeliveryError } from "../../src/jobs/target.ts";
import { roleConnectionOf } from "../../src/services/role-connections.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { SECRET } from "../helpers/dashboard.ts";
import { APP_ID, discordHarness, type DiscordHarness } from "../helpers/fake-discord.ts";
import { storeKinds } from "../helpers/runtime.ts";

const PUBLIC_URL = "https://steward.example.org";
const ALICE = { id: "1400000000000000001", username: "alice" };

describe.each(storeKinds)("Discord Linked Roles on %s", (kind) => {
  let h: DiscordHarness;
  let ops: OpsServer;
  let base: string;
  let chat: ChatDriver;
  let aliceId: string;

  beforeAll(async () => {
    h = await discordHarness(kind, registry, { DISCORD_CLIENT_SECRET: "fake-client-secret", STEWARD_PUBLIC_URL: PUBLIC_URL, STEWARD_SECRET: SECRET });
    const { app } = h.runtime;
    ops = await startOpsServer(app, 0, { host: "127.0.0.1", web: mountWeb({ app, registry, isModerator: async () => false }) });
    base = `http://127.0.0.1:${ops.port}`;
    chat = new ChatDriver(h.runtime);
    const alice = await app.db.member.create({
      data: { handle: "alice", displayName: "Alice", identities: { create: { platform: "discord", externalId: ALICE.id } }, balance: { create: { points: 450, tier: "pioneer" } } },
    });
    aliceId = alice.id;
  });
  afterAll(async () => {
    await ops?.close();
    await h?.close();
  });
  beforeEach(async () => {
    h.fake.clear();
    h.fake.oauth.expiresIn = 604_800;
    h.fake.oauth.roleConnections.clear();
    await h.runtime.app.db.discordRoleConnection.deleteMany();
  });

  async function begin(): Promise<{ state: string; cookie: string; location: URL; setCookie: string }> {
    const res = await fetch(`${base}/discord/linked-role`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const setCookie = res.headers.get("set-cookie") ?? "";
    return { location: new URL(res.headers.get("location") ?? ""), state: new URL(res.headers.get("location") ?? "").searchParams.get("state") ?? "", cookie: setCookie.split(";")[0] ?? "", setCookie };
  }
  const callback = (query: Record<string, string>, cookie?: string) =>
    fetch(`${base}/discord/oauth-callback?${new URLSearchParams(query).toString()}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
  const tokenRequests = () => h.fake.find("POST", /^\/oauth2\/token$/);
  const pushes = () => h.fake.find("PUT", new RegExp(`^/users/@me/applications/${APP_ID}/role-connection$`));

  it("sends the member to Discord's authorize page with both scopes and a state bound to a cookie", async () => {
    const { location, state, setCookie } = await begin();
    expect(location.origin).toBe(new URL(h.fake.url).origin);
    expect(location.pathname).toBe("/oauth2/authorize");
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      client_id: APP_ID,
      response_type: "code",
      scope: "role_connections.write identify",
      redirect_uri: `${PUBLIC_URL}/discord/oauth-callback`,
    });
    expect(state).toMatch(/^[\w-]{22}\.\d+\.[\w-]{43}$/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Secure/i);
    expect(setCookie).toMatch(/Path=\/discord/i);
  });

  it("refuses a forged, foreign, cookie-less or stale state before exchanging any code", async () => {
    const mine = await begin();
    const other = await begin();
    const [nonce, issued, signature] = mine.state.split(".");
    const code = h.fake.oauth.authorize(ALICE);
    const forgedSig = `${nonce}.${issued}.${(signature ?? "").replace(/^./, (ch) => (ch === "A" ? "B" : "A"))}`;
    const forgedTime = `${nonce}.${Number(issued) + 1}.${signature}`;
    for (const [state, cookie] of [
      [forgedSig, mine.cookie],
      [forgedTime, mine.cookie],
      [mine.state, undefined],
      [mine.state, other.cookie],
      ["", mine.cookie],
    ] as const) {
      const res = await callback({ code, state }, cookie);
      expect(res.status).toBe(403);
      expect(await res.text()).toContain("did not come from here");
    }
    h.runtime.clock.advance(11 * 60_000);
    const stale = await callback({ code, state: mine.state }, mine.cookie);
    expect(stale.status).toBe(403);
    expect(tokenRequests()).toHaveLength(0);
    expect(await h.runtime.app.db.discordRoleConnection.count()).toBe(0);
  });

  it("exchanges the code once, pushes the member's points and tier, and stores the tokens sealed", async () => {
    const { state, cookie } = await begin();
    const code = h.fake.oauth.authorize(ALICE);
    const res = await callback({ code, state }, cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("@alice");
    expect((tokenRequests()[0]?.body as Record<string, string>).grant_type).toBe("authorization_code");
    expect(h.fake.oauth.roleConnections.get(ALICE.id)).toEqual({ platform_name: "Wix Partner Program", platform_username: "alice", metadata: { points: "450", tier_level: "1" } });

    const [access, refresh] = h.fake.oauth.issued.slice(-2) as [string, string];
    const raw = await h.runtime.app.sql.query<Record<string, unknown>>("SELECT * FROM discord_role_connections");
    expect(raw).toHaveLength(1);
    const stored = JSON.stringify(raw);
    for (const token of h.fake.oauth.issued) expect(stored).not.toContain(token);
    expect(await roleConnectionOf(h.runtime.app, aliceId)).toMatchObject({ discordUserId: ALICE.id, accessToken: access, refreshToken: refresh });

    // The same code again (a reload, a replay): Discord refuses it and the link stays as it was.
    const again = await begin();
    const replay = await callback({ code, state: again.state }, again.cookie);
    expect(replay.status).toBe(400);
    expect((await roleConnectionOf(h.runtime.app, aliceId))?.accessToken).toBe(access);
  });

  it("links a Discord account Steward has not met yet to a new member", async () => {
    const { state, cookie } = await begin();
    const res = await callback({ code: h.fake.oauth.authorize({ id: "1400000000000000077", username: "newcomer" }), state }, cookie);
    expect(res.status).toBe(200);
    const identity = await h.runtime.app.db.identity.findUnique({ where: { platform_externalId: { platform: "discord", externalId: "1400000000000000077" } } });
    expect(identity).not.toBeNull();
    expect(h.fake.oauth.roleConnections.get("1400000000000000077")?.metadata).toEqual({ points: "0", tier_level: "0" });
  });

  it("says so when the member cancels on Discord, and stores nothing", async () => {
    const { state, cookie } = await begin();
    const res = await callback({ error: "access_denied", state }, cookie);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("did not allow");
    expect(tokenRequests()).toHaveLength(0);
  });

  it("refreshes an expired token before pushing, and forgets a link the member revoked", async () => {
    h.fake.oauth.expiresIn = 120;
    const { state, cookie } = await begin();
    expect((await callback({ code: h.fake.oauth.authorize(ALICE), state }, cookie)).status).toBe(200);
    const first = await roleConnectionOf(h.runtime.app, aliceId);
    h.runtime.clock.advance(5 * 60_000);
    h.fake.clear();

    const ctx = { outboxId: 1, dedupeKey: "test:refresh" };
    expect(await h.attached.target.deliver({ kind: "role-connection", memberId: aliceId }, ctx)).toBe("delivered");
    const refreshed = tokenRequests().map((r) => r.body as Record<string, string>);
    expect(refreshed).toEqual([expect.objectContaining({ grant_type: "refresh_token", refresh_token: first?.refreshToken })]);
    const now = await roleConnectionOf(h.runtime.app, aliceId);
    expect(now?.accessToken).not.toBe(first?.accessToken);
    expect(pushes().map((p) => p.headers.authorization)).toEqual([`Bearer ${now?.accessToken}`]);

    // Steward was removed from the member's authorised apps: the refresh is refused for good.
    h.runtime.clock.advance(5 * 60_000);
    h.fake.failNext("POST", /^\/oauth2\/token$/, 400, { error: "invalid_grant" });
    await expect(h.attached.target.deliver({ kind: "role-connection", memberId: aliceId }, { outboxId: 2, dedupeKey: "test:revoked" })).rejects.toBeInstanceOf(PermanentDeliveryError);
    expect(await h.runtime.app.db.discordRoleConnection.count()).toBe(0);
  });

  it("pushes again once through the outbox when the tier changes", async () => {
    const { state, cookie } = await begin();
    expect((await callback({ code: h.fake.oauth.authorize(ALICE), state }, cookie)).status).toBe(200);
    h.fake.clear();
    await chat.ok("mod", "/adjust alice 600 Linked roles test");
    const rows = await h.runtime.app.db.outboxMessage.findMany({ where: { kind: "role-connection" } });
    expect(rows.map((r) => r.memberId)).toEqual([aliceId]);
    await deliverDue(h.runtime.app, [h.attached.target]);
    await deliverDue(h.runtime.app, [h.attached.target]);
    expect(pushes()).toHaveLength(1);
    expect(h.fake.oauth.roleConnections.get(ALICE.id)?.metadata).toEqual({ points: "1050", tier_level: "2" });
    // A member who never linked gets no row: nothing to push for them.
    await chat.ok("mod", "/adjust mod 1000 Linked roles test");
    expect(await h.runtime.app.db.outboxMessage.count({ where: { kind: "role-connection" } })).toBe(1);
  });

  it("logs JSON lines with a request id, and never the code, the state or a token", async () => {
    const lines: string[] = [];
    const log = h.runtime.app.log;
    h.runtime.app.log = pino({ level: "trace", base: undefined }, { write: (line: string) => void lines.push(line) });
    try {
      const { state, cookie } = await begin();
      const code = h.fake.oauth.authorize(ALICE);
      expect((await callback({ code, state }, cookie)).status).toBe(200);
      const entries = lines.map((l) => JSON.parse(l) as { reqId?: string; path?: string });
      expect(entries.filter((e) => e.path).map((e) => e.path)).toEqual(["/discord/linked-role", "/discord/oauth-callback"]);
      for (const e of entries) expect(e.reqId).toMatch(/^[0-9a-f-]{36}$/);
      const all = lines.join("\n");
      for (const secret of [code, state, cookie.split("=")[1] ?? "", SECRET, "fake-client-secret", ...h.fake.oauth.issued]) expect(all).not.toContain(secret);
    } finally {
      h.runtime.app.log = log;
    }
  });
});

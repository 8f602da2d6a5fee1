// Discord interactions over HTTP (the Interactions Endpoint URL): signed requests into the real
// HTTP server, the first response as the HTTP response, everything after it at the fake REST
// server, as the gateway path does (discord.test.ts). Forged, unsigned and stale requests are
// refused with 401; a replayed request changes state once.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { DISCORD_INTERACTIONS_PATH } from "../../src/adapters/discord/http.ts";
import { startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { ROLE, botMessage, discordHarness, modalSubmit, slashCommand, buttonClick, type DiscordHarness } from "../helpers/fake-discord.ts";

const alice = { id: "1400000000000000001", username: "alice" };
const mod = { id: "1400000000000000002", username: "mona" };
const EPHEMERAL = 64;

interface Answer {
  type: number;
  data?: { flags?: number; content?: string; custom_id?: string; embeds?: { title?: string; description?: string; fields?: { name: string }[] }[] };
}

function keys(): { privateKey: KeyObject; hex: string } {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x as string;
  return { privateKey, hex: Buffer.from(x, "base64url").toString("hex") };
}

describe("Discord interactions over HTTP", () => {
  let h: DiscordHarness;
  let ops: OpsServer;
  let privateKey: KeyObject;
  let url: string;

  beforeAll(async () => {
    const k = keys();
    privateKey = k.privateKey;
    h = await discordHarness("pglite", registry, { DISCORD_PUBLIC_KEY: k.hex, STEWARD_HTTP_PORT: "0" });
    const route = h.attached.route;
    if (!route) throw new Error("DISCORD_PUBLIC_KEY set, but no route");
    ops = await startOpsServer(h.runtime.app, 0, { host: "127.0.0.1", routes: [route] });
    url = `http://127.0.0.1:${ops.port}${DISCORD_INTERACTIONS_PATH}`;
  });
  afterAll(async () => {
    await ops.close();
    await h.close();
  });

  const post = async (raw: unknown, opts: { timestamp?: number; signature?: string | null; key?: KeyObject } = {}) => {
    const body = JSON.stringify(raw);
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const signature = opts.signature === undefined ? sign(null, Buffer.from(timestamp + body), opts.key ?? privateKey).toString("hex") : opts.signature;
    const headers: Record<string, string> = { "content-type": "application/json", "x-signature-timestamp": timestamp };
    if (signature !== null) headers["x-signature-ed25519"] = signature;
    const res = await fetch(url, { method: "POST", headers, body });
    return { status: res.status, body: (await res.json()) as Answer };
  };

  /** The message the person sees: the HTTP response's, or after a deferral the edit of @original. */
  const answerOf = async (raw: Record<string, unknown>, res: { body: Answer }): Promise<Answer["data"]> => {
    await h.attached.idle();
    if (res.body.type !== 5) return res.body.data;
    const edits = h.fake.find("PATCH", new RegExp(`^/webhooks/\\d+/${String(raw.token)}/messages/@original$`));
    expect(edits).toHaveLength(1);
    return edits[0]?.body as Answer["data"];
  };

  it("answers PING with PONG, and refuses forged, unsigned and stale requests with 401 doing nothing", async () => {
    expect(await post({ type: 1, id: "1", application_id: "1000", token: "t", version: 1 })).toEqual({ status: 200, body: { type: 1 } });
    const tier = slashCommand(h.base(alice), "tier");
    const forged = keys().privateKey;
    expect((await post(tier, { key: forged })).status).toBe(401);
    expect((await post(tier, { signature: null })).status).toBe(401);
    expect((await post(tier, { signature: "zz" })).status).toBe(401);
    expect((await post(tier, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    expect((await post(tier, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 })).status).toBe(401);
    await h.attached.idle();
    expect(await h.runtime.app.db.identity.count()).toBe(0);
    expect(h.fake.requests.filter((r) => r.path.includes(String(tier.token)))).toEqual([]);
  });

  it("answers a slash command as the gateway does; the gateway no longer takes interactions", async () => {
    const viaGateway = slashCommand(h.base(alice), "tier");
    await h.interact(viaGateway);
    expect(h.fake.requests.filter((r) => r.path.includes(String(viaGateway.token)))).toEqual([]);

    const raw = slashCommand(h.base(alice), "tier");
    const res = await post(raw);
    expect(res.status).toBe(200);
    // The tier card is a file, which Discord takes only over REST: a private deferral, then the edit with the card.
    expect(res.body).toEqual({ type: 5, data: { flags: EPHEMERAL } });
    const shown = await answerOf(raw, res);
    expect(shown?.embeds?.[0]?.title).toBe("alice — Explorer");
    expect(shown?.embeds?.[0]?.fields?.map((f) => f.name)).toEqual(["Points", "Tier", "Next tier"]);
    expect(h.fake.find("PATCH", /@original$/).flatMap((r) => r.files.map((f) => f.name))).toContain("tier-alice.png");
  });

  it("apologises in a follow-up when the edit after a deferral for files is refused", async () => {
    const raw = slashCommand(h.base(alice), "tier");
    h.fake.failNext("PATCH", /@original$/, 400, { message: "Invalid Form Body", code: 50035 });
    expect((await post(raw)).body.type).toBe(5);
    await h.attached.idle();
    const followUps = h.fake.find("POST", new RegExp(`^/webhooks/\\d+/${String(raw.token)}$`));
    expect(followUps).toHaveLength(1);
    expect(JSON.stringify(followUps[0]?.body)).toContain("something went wrong");
  });

  it("opens a modal as the first response, and takes its submission", async () => {
    const raw = slashCommand(h.base(alice), "log", [{ name: "kind", type: 3, value: "hours" }]);
    const res = await post(raw);
    expect(res.body.type).toBe(9);
    expect(res.body.data?.custom_id).toBe("form:log hours");
    const submit = modalSubmit(h.base(alice), "form:log hours", { hours: "3", date: "", note: "Answered forum questions" });
    const done = await post(submit);
    const shown = await answerOf(submit, done);
    expect(shown?.embeds?.[0]?.description).toMatch(/^Logged: Hours servicing the community, 3 h/);
    expect(await h.runtime.app.db.activity.count({ where: { kind: "hours" } })).toBe(1);
  });

  it("runs a button's command, and says when a button has expired", async () => {
    const raw = buttonClick(h.base(alice), "help::", botMessage("1300000000000000001", { content: "x" }));
    const shown = await answerOf(raw, await post(raw));
    expect(JSON.stringify(shown)).toContain("/tier");
    const stale = await post(buttonClick(h.base(alice), "~gone", botMessage("1300000000000000001", { content: "x" })));
    expect(stale.body).toMatchObject({ type: 4, data: { content: "This button has expired. Run the command again to get a fresh one.", flags: EPHEMERAL } });
  });

  it("changes state once when a signed request is replayed", async () => {
    const raw = slashCommand(
      h.base(mod, [ROLE.moderator]),
      "adjust",
      [
        { name: "member", type: 6, value: alice.id },
        { name: "points", type: 4, value: 500 },
        { name: "reason", type: 3, value: "meetup bonus" },
      ],
      [alice],
    );
    const first = await post(raw);
    const again = await post(raw);
    expect([first.status, again.status]).toEqual([200, 200]);
    await h.attached.idle();
    const balance = await h.runtime.app.db.balance.findFirst({ where: { member: { handle: "alice" } } });
    expect(balance?.points).toBe(500);
    expect(await h.runtime.app.db.ledgerEntry.count()).toBe(1);
  });
});

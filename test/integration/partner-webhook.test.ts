// Partner dashboard in: Standard Webhooks-signed events through the real HTTP
// server on an ephemeral port become the same service calls the moderator
// commands make. PGlite always, Postgres when DATABASE_URL is set.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { partnerWebhook } from "../../src/adapters/partner-dashboard/webhook.ts";
import { startOpsServer, type OpsServer } from "../../src/http/server.ts";
import { claimInbound, INBOUND_LEASE_MS } from "../../src/services/inbound.ts";
import { sweepUnfinishedPartnerEvents } from "../../src/services/partner-events.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { partnerHeaders, post } from "../helpers/webhooks.ts";

const SECRET = `whsec_${Buffer.from("partner-dashboard-signing-key").toString("base64")}`;
const SITE = "https://studio.example.com";

describe.each(storeKinds)("partner dashboard webhooks on %s", (kind) => {
  let rt: TestRuntime;
  let server: OpsServer;
  let chat: ChatDriver;
  let n = 0;

  const url = () => `http://127.0.0.1:${server.port}/webhooks/partner`;
  const event = (type: string, data: Record<string, string>) => JSON.stringify({ type, data: { partner: "P-1", url: SITE, kind: "editorx", role: "owner", at: "2026-11-25", ...data } });
  const send = (body: string, id = `msg_${++n}`, headers: Record<string, string> = {}) => post(url(), body, { ...partnerHeaders(SECRET, body, id), ...headers });
  const balance = async (handle: string) => {
    const m = await rt.app.db.member.findUniqueOrThrow({ where: { handle }, include: { balance: true } });
    return m.balance?.points ?? 0;
  };

  beforeEach(async () => {
    rt = await testRuntime(kind, { PARTNER_WEBHOOK_SECRET: SECRET });
    server = await startOpsServer(rt.app, 0, { host: "127.0.0.1", routes: [partnerWebhook(rt.app)] });
    chat = new ChatDriver(rt);
    await chat.ok("alice", "/tier");
    await chat.ok("mod", "/link dashboard:P-1 alice");
  });
  afterEach(async () => {
    await server.close();
    await rt.close();
  });

  it("site.published pays once; site.premium_expired takes the points back exactly once, however often it is sent", async () => {
    expect((await send(event("site.published", {}), "msg_pub")).body).toMatchObject({ status: "applied" });
    expect((await send(event("site.published", {}), "msg_pub")).body.status).toBe("duplicate");
    expect(await balance("alice")).toBe(300);

    const expired = event("site.premium_expired", {});
    expect((await send(expired, "msg_exp")).body).toMatchObject({ status: "applied" });
    expect((await send(expired, "msg_exp")).body).toMatchObject({ status: "duplicate" });
    // The same event under a new id (the dashboard sent it twice): the site service refuses, nothing moves.
    expect((await send(expired, "msg_exp_2")).body).toMatchObject({ status: "refused" });
    expect(await balance("alice")).toBe(0);
    const entries = await rt.app.db.ledgerEntry.findMany({ orderBy: { id: "asc" } });
    expect(entries.map((e) => e.delta)).toEqual([300, -300]);
    expect(entries[1]?.actor).toBe("partner-dashboard");
    expect(await chat.ok("alice", "/site list")).toContain("premium lapsed");

    expect((await send(event("site.premium_reactivated", {}))).body.status).toBe("applied");
    expect((await send(event("site.published", { at: "2026-11-26" }))).body.status).toBe("applied");
    expect(await balance("alice")).toBe(300);
    expect((await send(event("site.contributor_removed", {}))).body.status).toBe("applied");
    expect(await balance("alice")).toBe(0);
    expect((await send(event("certification.earned", { kind: "velo", url: "" }))).body.status).toBe("applied");
    expect(await balance("alice")).toBe(100);
  });

  // What a process killed mid-event leaves behind: the event's row "received" and its claim, held by nobody alive.
  const interrupted = (key: string, body: string) => {
    const data = (JSON.parse(body) as { data: { partner: string } }).data;
    return claimInbound(rt.app, { source: "partner", key, type: "site.published", subject: data.partner, payload: {}, occurredAt: null });
  };

  it("an event interrupted mid-way is never answered duplicate: a retry during its claim gets 503 + Retry-After, after it the retry applies it (issue 27, finding 1)", async () => {
    const body = event("site.published", {});
    expect((await interrupted("partner:msg_cut", body)).kind).toBe("claimed");
    const during = await fetch(url(), { method: "POST", headers: { "content-type": "application/json", ...partnerHeaders(SECRET, body, "msg_cut") }, body });
    expect(during.status).toBe(503);
    const retryAfter = Number(during.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter * 1000).toBeLessThanOrEqual(INBOUND_LEASE_MS);
    expect(INBOUND_LEASE_MS).toBeLessThanOrEqual(2 * 60_000);
    expect(((await during.json()) as { status: string }).status).not.toBe("duplicate");
    expect(await rt.app.db.site.count()).toBe(0);

    rt.clock.advance(retryAfter * 1000);
    expect((await send(body, "msg_cut")).body.status).toBe("applied");
    expect((await send(body, "msg_cut")).body.status).toBe("duplicate");
    expect(await rt.app.db.site.count()).toBe(1);
    expect(await balance("alice")).toBe(300);
  });

  it("an event left unfinished with no claim at all (killed between the two) is applied by the next retry at once", async () => {
    const body = event("site.published", {});
    const claim = await interrupted("partner:msg_bare", body);
    await rt.app.sql.query("DELETE FROM leases");
    expect(claim.kind).toBe("claimed");
    expect((await send(body, "msg_bare")).body.status).toBe("applied");
    expect(await balance("alice")).toBe(300);
  });

  it("the sweep takes up events whose claim ran out, without a resend, and leaves live claims alone", async () => {
    const body = event("site.published", {});
    await rt.app.db.inboundEvent.create({ data: { source: "partner", key: "partner:swept", type: "site.published", subject: "P-1", status: "received", payload: { type: "site.published", partner: "P-1", url: SITE, kind: "editorx", role: "owner" }, createdAt: rt.app.now(), updatedAt: rt.app.now() } });
    await rt.app.sql.query("INSERT INTO leases (name, holder, expires_at) VALUES ('inbound:partner:swept', 'dead-process', $1::timestamptz)", [new Date(rt.app.now().getTime() + INBOUND_LEASE_MS).toISOString()]);
    expect(await sweepUnfinishedPartnerEvents(rt.app)).toBe(0);
    expect(await balance("alice")).toBe(0);
    rt.clock.advance(INBOUND_LEASE_MS + 1);
    expect(await sweepUnfinishedPartnerEvents(rt.app)).toBe(1);
    expect(await sweepUnfinishedPartnerEvents(rt.app)).toBe(0);
    expect(await balance("alice")).toBe(300);
    expect((await rt.app.db.inboundEvent.findUniqueOrThrow({ where: { key: "partner:swept" } })).status).toBe("applied");
    expect((await send(body, "swept")).body.status).toBe("duplicate");
  });

  it("refuses missing, wrong, stale and future signatures with 401; accepts any one of several signatures", async () => {
    const body = event("site.published", {});
    // Read at each request, half a minute past the 5-minute window: a slow machine must not carry the timestamp back inside it.
    const now = () => Math.floor(Date.now() / 1000);
    expect((await post(url(), body, {})).status).toBe(401);
    expect((await send(body, "m1", { "webhook-signature": "v1,AAAA" })).status).toBe(401);
    expect((await post(url(), body, partnerHeaders(SECRET, body, "m2", now() - 330))).status).toBe(401);
    expect((await post(url(), body, partnerHeaders(SECRET, body, "m3", now() + 330))).status).toBe(401);
    const h = partnerHeaders(SECRET, body, "m4");
    expect((await post(url(), body, { ...h, "webhook-timestamp": `${h["webhook-timestamp"]}abc` })).status).toBe(401);
    expect((await post(url(), body.replace("P-1", "P-2"), h)).status).toBe(401);
    expect(await rt.app.db.inboundEvent.count()).toBe(0);
    // During a secret rotation the dashboard signs with both: one matching is enough.
    const both = { ...h, "webhook-signature": `v1,bm90LXRoaXMtb25l ${h["webhook-signature"]}` };
    expect((await post(url(), body, both)).body.status).toBe("applied");
  });

  it("a raw secret (not whsec_) signs with its own bytes", async () => {
    await server.close();
    await rt.close();
    rt = await testRuntime(kind, { PARTNER_WEBHOOK_SECRET: "plain-secret-value" });
    server = await startOpsServer(rt.app, 0, { host: "127.0.0.1", routes: [partnerWebhook(rt.app)] });
    const body = event("site.published", {});
    expect((await post(url(), body, partnerHeaders("plain-secret-value", body, "raw1"))).body.status).toBe("held");
  });

  it("bad events get 400 naming each problem and store nothing", async () => {
    const r = await send(JSON.stringify({ type: "site.exploded", data: { partner: "P 1", url: "ftp://x", role: "boss", at: "2026-02-30" } }));
    expect(r.status).toBe(400);
    for (const part of ["site.exploded", "not a dashboard id", "https://", "role must be owner or collaborator", "2026-02-30"]) expect(String(r.body.error)).toContain(part);
    expect((await send("[]")).status).toBe(400);
    expect((await send("nope")).status).toBe(400);
    expect((await send(event("site.published", { kind: "wordpress" }))).status).toBe(400);
    expect(await rt.app.db.inboundEvent.count()).toBe(0);
  });

  it("a numeric partner id beyond 2^53 is refused, not rounded onto another partner (issue 27, finding 4)", async () => {
    const r = await send('{"type":"site.published","data":{"partner":9007199254740993,"url":"https://big.example.com","kind":"classic"}}');
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(/partner.*string/);
    // A small number is still a dashboard id, kept as its digits.
    expect((await send('{"type":"site.published","data":{"partner":42,"url":"https://small.example.com","kind":"classic"}}')).body.status).toBe("held");
    expect((await rt.app.db.inboundEvent.findMany()).map((e) => e.subject)).toEqual(["42"]);
  });

  it("validly signed but unusable fields answer 400 naming the field and write nothing (issue 27, finding 5)", async () => {
    const hostile: [string, string][] = [
      ["url", '{"type":"site.published","data":{"partner":"P-1","url":"https://a.example.com/\\ud800","kind":"classic"}}'],
      ["url", '{"type":"site.published","data":{"partner":"P-1","url":"https://\\udc00.example.com","kind":"classic"}}'],
      ["kind", '{"type":"site.published","data":{"partner":"P-1","url":"https://a.example.com","kind":"classic\\u0000"}}'],
      ["date", '{"type":"site.premium_expired","data":{"partner":"P-1","url":"https://a.example.com","at":"0000-01-01"}}'],
      ["type", '{"type":"site.published\\ud800","data":{"partner":"P-1","url":"https://a.example.com","kind":"classic"}}'],
    ];
    for (const [name, body] of hostile) {
      const r = await send(body);
      expect(r.status, body).toBe(400);
      expect(String(r.body.error), body).toContain(name);
    }
    expect(await rt.app.db.inboundEvent.count()).toBe(0);
    expect(await rt.app.db.site.count()).toBe(0);
  });

  it("an event for an unknown partner is held, listed to moderators, and applied once when linked (also from an approved application)", async () => {
    const body = JSON.stringify({ type: "site.published", data: { partner: "P-9", url: "https://bobs.example.com", kind: "classic", role: "owner" } });
    expect((await send(body, "held-1")).body.status).toBe("held");
    expect((await send(body, "held-1")).body.status).toBe("duplicate");
    expect(await chat.ok("mod", "/link pending")).toContain("dashboard:P-9");

    await chat.ok("bob", "/apply partner dashboard-id:P-9 site:https://client.example.com");
    await chat.ok("mod", "/review approve bob partner");
    expect(await balance("bob")).toBe(100);
    expect(await rt.app.db.inboundEvent.count({ where: { status: "held" } })).toBe(0);
    expect(await chat.ok("mod", "/link pending")).not.toContain("P-9");
    // Linking again changes nothing and pays nothing.
    expect((await chat.say("mod", "/link dashboard:P-9 bob")).output).toContain("already linked");
    expect(await balance("bob")).toBe(100);
  });

  it("a held event that fails while being applied stays held, and linking the id again applies it", async () => {
    // Held under a site kind the operator's pack no longer has: applying it throws (not a user error).
    const row = await rt.app.db.inboundEvent.create({
      data: { source: "partner", key: "partner:broken", type: "site.published", subject: "P-5", status: "held", payload: { type: "site.published", partner: "P-5", url: "https://bob.example.com", kind: "retired-kind", role: "owner" } },
    });
    await chat.ok("bob", "/tier");
    expect((await chat.say("mod", "/link dashboard:P-5 bob")).status).toBe("internal-error");
    expect((await rt.app.db.inboundEvent.findUniqueOrThrow({ where: { id: row.id } })).status).toBe("held");
    await rt.app.db.inboundEvent.update({ where: { id: row.id }, data: { payload: { type: "site.published", partner: "P-5", url: "https://bob.example.com", kind: "classic", role: "owner" } } });
    expect(await chat.ok("mod", "/link dashboard:P-5 bob")).toContain("1 held dashboard event(s) applied");
    expect(await balance("bob")).toBe(100);
  });

  it("answers 404 when no secret is configured", async () => {
    await server.close();
    await rt.close();
    rt = await testRuntime(kind);
    server = await startOpsServer(rt.app, 0, { host: "127.0.0.1", routes: [partnerWebhook(rt.app)] });
    const body = event("site.published", {});
    expect((await post(url(), body, partnerHeaders(SECRET, body, "x"))).status).toBe(404);
  });
});

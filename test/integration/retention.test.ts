// Retention: the daily sweep prunes delivered outbox rows, finished events' bodies and old audit rows
// in bounded batches, and never what keeps a payment from happening twice or the trail of ledger changes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { receivePartnerEvent } from "../../src/services/partner-events.ts";
import { pruneRetention, PRUNED_PAYLOAD } from "../../src/services/retention.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const DAY = 86_400_000;

describe.each(storeKinds)("retention on %s", (kind) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await testRuntime(kind);
  });
  afterEach(() => rt.close());

  const daysAgo = (d: number) => new Date(rt.clock.now().getTime() - d * DAY);
  const count = async (sql: string, params: unknown[] = []) => (await rt.app.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]?.n;

  async function outbox(key: string, status: string, deliveredDaysAgo: number | null) {
    const [row] = await rt.app.sql.query<{ id: number }>(
      `INSERT INTO outbox (kind, channel, payload, dedupe_key, status, delivered_at, created_at) VALUES ('post', 'announcements', '{"text":"hi"}', $1, $2, $3, $4) RETURNING id`,
      [key, status, deliveredDaysAgo === null ? null : daysAgo(deliveredDaysAgo), daysAgo(deliveredDaysAgo ?? 60)],
    );
    if (status === "delivered") await rt.app.sql.query(`INSERT INTO outbox_deliveries (outbox_id, target) VALUES ($1, 'slack')`, [row?.id]);
  }
  async function auditRow(action: string, outcome: string, d: number) {
    await rt.app.sql.query(`INSERT INTO audit_log (actor, action, target, outcome, details, created_at) VALUES ('m1', $1, 't', $2, '{}', $3)`, [action, outcome, daysAgo(d)]);
  }

  it("deletes delivered outbox rows and old audit rows past their days, keeping pending rows and the ledger's trail", async () => {
    await outbox("old-delivered", "delivered", 31);
    await outbox("new-delivered", "delivered", 29);
    await outbox("old-pending", "pending", null);
    await auditRow("dashboard sign-in", "ok", 400);
    await auditRow("adjust", "denied", 400);
    await auditRow("adjust", "ok", 400);
    await auditRow("site transfer", "ok", 400);
    await auditRow("settings timezone", "ok", 100);
    await rt.app.sql.query(`INSERT INTO processed_events (key, created_at) VALUES ('slack:Ev1', $1)`, [daysAgo(400)]);

    expect(await pruneRetention(rt.app)).toEqual({ outbox: 1, payloads: 0, audit: 2 });
    expect((await rt.app.sql.query<{ dedupe_key: string }>(`SELECT dedupe_key FROM outbox ORDER BY dedupe_key`)).map((r) => r.dedupe_key)).toEqual(["new-delivered", "old-pending"]);
    expect(await count(`outbox_deliveries`)).toBe(1);
    expect((await rt.app.sql.query<{ action: string }>(`SELECT action FROM audit_log ORDER BY action`)).map((r) => r.action)).toEqual(["adjust", "settings timezone", "site transfer"]);
    expect(await count(`processed_events`)).toBe(1);
    // Nothing more to do the same day.
    expect(await pruneRetention(rt.app)).toEqual({ outbox: 0, payloads: 0, audit: 0 });
  });

  it("works in bounded batches: what a run leaves goes the next day", async () => {
    for (let i = 0; i < 5; i++) await outbox(`d${i}`, "delivered", 40);
    expect((await pruneRetention(rt.app, { batch: 2, maxBatches: 1 })).outbox).toBe(2);
    expect((await pruneRetention(rt.app, { batch: 2, maxBatches: 2 })).outbox).toBe(3);
    expect(await count(`outbox`)).toBe(0);
  });

  it("empties a finished event's body but keeps its key, so a redelivery still pays nothing; held events keep their body", async () => {
    const chat = new ChatDriver(rt);
    await chat.ok("alice", "/tier");
    await chat.ok("mod", "/link dashboard:P-1 alice");
    const event = { type: "site.published", partner: "P-1", url: "https://studio.example.com", kind: "editorx", role: "owner" } as const;
    expect((await receivePartnerEvent(rt.app, "partner", "msg_1", event)).status).toBe("applied");
    expect((await receivePartnerEvent(rt.app, "partner", "msg_2", { ...event, partner: "P-unlinked" })).status).toBe("held");
    const points = async () => (await rt.app.db.member.findUniqueOrThrow({ where: { handle: "alice" }, include: { balance: true } })).balance?.points;
    expect(await points()).toBe(300);

    rt.clock.advance(31 * DAY);
    expect((await pruneRetention(rt.app)).payloads).toBe(1);
    const rows = await rt.app.db.inboundEvent.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.key, r.status, r.payload])).toEqual([
      ["msg_1", "applied", PRUNED_PAYLOAD],
      ["msg_2", "held", expect.objectContaining({ partner: "P-unlinked" })],
    ]);
    expect((await receivePartnerEvent(rt.app, "partner", "msg_1", event)).status).toBe("duplicate");
    expect(await points()).toBe(300);
    expect(await count(`ledger_entries`)).toBe(1);
  });

  it("keeps everything when a retention is 0", async () => {
    const forever = await testRuntime(kind, { STEWARD_RETAIN_OUTBOX_DAYS: "0", STEWARD_RETAIN_AUDIT_DAYS: "0", STEWARD_RETAIN_EVENT_PAYLOAD_DAYS: "0" });
    try {
      await forever.app.sql.query(`INSERT INTO outbox (kind, payload, dedupe_key, status, delivered_at) VALUES ('post', '{}', 'k', 'delivered', now() - interval '5 years')`);
      await forever.app.sql.query(`INSERT INTO audit_log (actor, action, outcome, created_at) VALUES ('m', 'dashboard sign-in', 'ok', now() - interval '5 years')`);
      expect(await pruneRetention(forever.app)).toEqual({ outbox: 0, payloads: 0, audit: 0 });
    } finally {
      await forever.close();
    }
  });
});

// forgetMember on both stores (the regular expressions it runs are PostgreSQL's own).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportMember, forgetMember } from "../../src/services/privacy.ts";
import { ChatDriver } from "../helpers/chat.ts";
import { storeKinds, testRuntime, type TestRuntime } from "../helpers/runtime.ts";

describe.each(storeKinds)("forgetting a member on %s", (kind) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await testRuntime(kind);
  });
  afterEach(() => rt.close());

  it("scrubs copies of the handle and URLs from other tables and leaves look-alikes alone", async () => {
    const chat = new ChatDriver(rt);
    await chat.ok("zed", "/site submit https://zed-shop.example.net kind:classic");
    await chat.ok("zedd", "/site submit https://zedd.example.net kind:classic");
    await chat.ok("mod", "/adjust zed +5 talk by zed, thanks zedd too");
    const before = await exportMember(rt.app, "zed");
    expect(before.sites).toHaveLength(1);

    const dry = await forgetMember(rt.app, { memberId: "operator" }, "zed", true);
    expect(dry).toMatchObject({ becomes: "forgotten-1", dryRun: true });
    expect(await rt.app.db.member.findUnique({ where: { handle: "zed" } })).not.toBeNull();

    const report = await forgetMember(rt.app, { memberId: "operator" }, "zed", false);
    expect(report.changes).toMatchObject({ identities: 1, sites: 1, members: 1 });
    const entries = await rt.app.db.ledgerEntry.findMany({ where: { memberId: report.member }, orderBy: { id: "asc" } });
    expect(entries.map((e) => [e.delta, e.reason])).toEqual([
      [100, expect.not.stringContaining("zed-shop")],
      [5, "talk by [forgotten], thanks zedd too"],
    ]);
    // zedd is someone else: their handle, site and balance are as they were.
    const zedd = await exportMember(rt.app, "zedd");
    expect(zedd.sites).toEqual([expect.objectContaining({ url: "https://zedd.example.net" })]);
    expect(await rt.app.db.auditLog.count({ where: { action: "member forget", target: report.member } })).toBe(1);
  });
});

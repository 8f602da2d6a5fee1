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

  it("/member export and /member forget from chat: moderators only, the export as a file, forget previewed with a button, then confirmed", async () => {
    const chat = new ChatDriver(rt);
    await chat.ok("yara", "/site submit https://yara-studio.example.net kind:classic");
    const denied = await chat.say("yara", "/member export yara");
    expect(denied.status).toBe("user-error");
    expect(await rt.app.db.auditLog.count({ where: { outcome: "denied" } })).toBeGreaterThan(0);

    const exported = await chat.ok("mod", "/member export yara");
    expect(exported).toMatch(/Everything Steward holds about @yara, as JSON: steward-member-yara\.json/);
    // The terminal shows the file's content under its name.
    expect(exported).toMatch(/── steward-member-yara\.json ──\n\{/);
    expect(exported).toContain("https://yara-studio.example.net");

    const preview = await chat.ok("mod", "/member forget yara");
    expect(preview).toMatch(/Forgetting @yara makes them forgotten-1: .*Rows it changes: .*identities 1.*This cannot be undone\./);
    expect(preview).toMatch(/\[Forget @yara: \/member forget yara confirm:yes\]/);
    expect(await rt.app.db.member.findUnique({ where: { handle: "yara" } })).not.toBeNull();

    const done = await chat.ok("mod", "/member forget yara confirm:yes");
    expect(done).toMatch(/^Forgot yara: now forgotten-1\. Rows deleted or scrubbed: .*identities 1/);
    expect(await rt.app.db.member.findUnique({ where: { handle: "yara" } })).toBeNull();
    expect(await rt.app.db.auditLog.count({ where: { action: "member forget", actor: { not: "operator" } } })).toBe(1);
    const again = await chat.say("mod", "/member forget forgotten-1 confirm:yes");
    expect(again.status).toBe("user-error");
    expect(again.output).toMatch(/forgotten-1 is already forgotten\./);
  });
});

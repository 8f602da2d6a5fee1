// `steward run` and `steward chat` as an operator or a script uses them:
// real processes, a real embedded database on disk, stdin and stdout.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { beforeEach, describe, expect, it } from "vitest";
import { steward } from "../helpers/cli.ts";

describe("steward run", () => {
  let env: Record<string, string>;
  beforeEach(() => {
    env = { STEWARD_DATA_DIR: mkdtempSync(join(tmpdir(), "steward-e2e-")) };
  });

  it("prints the reply and exits 0, 1 on a user error, 2 on an internal error", async () => {
    const submit = await steward(["run", "--as", "alice", "/site submit https://studio.example.com kind:editorx role:owner"], env);
    expect(submit.stdout).toMatch(/Submitted https:\/\/studio\.example\.com .*\+300 points/);
    expect(submit.code).toBe(0);
    const second = await steward(["run", "--as", "alice", '/site submit https://bakery.example.com kind:classic role:collaborator'], env);
    expect(second.code).toBe(0);
    // Deliveries addressed to the terminal are printed after the reply.
    expect(second.stdout).toMatch(/Balance: 400 points\.\n→ #announcements: 🎉 alice reached Pioneer/);

    const tier = await steward(["run", "--as", "alice", "/tier"], env);
    expect(tier.code).toBe(0);
    expect(tier.stdout).toMatch(/Pioneer/);
    expect(tier.stdout).toMatch(/600 to go/);

    const wrong = await steward(["run", "--as", "alice", "/site submit not-a-url kind:classic"], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/url must be a web address/);

    const denied = await steward(["run", "--as", "alice", "/adjust alice +100 because"], env);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/Only moderators/);

    // Break the database under the bot: the person gets an apology with a reference, never a stack.
    const db = new PGlite(env.STEWARD_DATA_DIR);
    await db.exec("DROP TABLE sites CASCADE");
    await db.close();
    const broken = await steward(["run", "--as", "alice", "/site list"], env);
    expect(broken.code).toBe(2);
    expect(broken.stdout).toMatch(/something went wrong on our side \(ref [0-9a-f]{8}\)/);
    // Nothing was done, so the apology may not say that anything was kept.
    expect(broken.stdout).not.toMatch(/was lost|was kept|was recorded/i);
    expect(broken.stdout).not.toMatch(/at .*\.ts:\d+/);
    // Seven processes one after another: on a loaded 2-core machine that outlasts the default timeout.
  }, 300_000);

  it("pays the spellings of one site once, refuses a second owner and a made-up host (issue 9)", async () => {
    const spellings = ["https://studio.example.com", "http://studio.example.com", "https://studio.example.com.", "https://www.studio.example.com", "https://studio.example.com/about"];
    const runs = [];
    for (const url of spellings) runs.push(await steward(["run", "--as", "alice", `/site submit ${url} kind:editorx role:owner`], env));
    expect(runs.map((r) => r.code)).toEqual([0, 1, 1, 1, 1]);
    expect(runs[0]?.stdout).toMatch(/\+300 points\. Balance: 300 points/);
    for (const r of runs.slice(1)) expect(r.stdout).toMatch(/You already submitted https:\/\/studio\.example\.com/);

    const second = await steward(["run", "--as", "bob", "/site submit https://WWW.studio.example.com/ kind:editorx role:owner"], env);
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/already has an owner.*\n.*\/site transfer https:\/\/studio\.example\.com <you>/);

    const madeUp = await steward(["run", "--as", "alice", "/site submit https://fuzz{}.example.com kind:classic"], env);
    expect(madeUp.code).toBe(1);
    expect(madeUp.stdout).toMatch(/The host fuzz\{\}\.example\.com has an invalid part/);

    const points = await steward(["run", "--as", "alice", "/points"], env);
    expect(points.stdout.match(/Editor X site/g)).toHaveLength(1);
    expect(points.stdout).toMatch(/Points of @alice: 300\n/);
    // Nine processes, each opening the embedded database: more than the default allowance on a busy 2-core machine.
  }, 300_000);

  it("stops with a message naming a wrong variable", async () => {
    const r = await steward(["run", "--as", "alice", "/tier"], { ...env, STEWARD_TIMEZONE: "Nowhere/Land" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/STEWARD_TIMEZONE: expected an IANA time zone/);
  });
});

describe("steward chat", () => {
  it("answers typed lines, switches user, and prints deliveries as they happen", async () => {
    const env = { STEWARD_DATA_DIR: mkdtempSync(join(tmpdir(), "steward-chat-")) };
    const input = [
      "/site submit https://studio.example.com kind:editorx",
      "/site submit https://bakery.example.com kind:classic role:collaborator",
      "/as mod",
      "/site lapse https://bakery.example.com",
      "/as alice",
      "/tier",
      "/quit",
      "",
    ].join("\n");
    const r = await steward(["chat", "--as", "alice"], env, input);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/You are alice/);
    expect(r.stdout).toMatch(/→ #announcements: 🎉 alice reached Pioneer with 400 points!/);
    expect(r.stdout).toMatch(/You are now mod \(moderator\)/);
    expect(r.stdout).toMatch(/→ DM to @alice: https:\/\/bakery\.example\.com no longer has an active premium plan/);
    expect(r.stdout).toMatch(/Your balance is below Pioneer/);
  });
});

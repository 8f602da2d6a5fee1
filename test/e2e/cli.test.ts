// `steward run` and `steward chat` as an operator or a script uses them:
// real processes, a real embedded database on disk, stdin and stdout.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { chatLines, steward } from "../helpers/cli.ts";
import { preparedDataFolder } from "../helpers/test-databases.ts";

/** A chat's replies, one per typed line, in order (each follows the prompt the line was typed at). */
const replies = (stdout: string): string[] => stdout.split(/^\S+@#\S+> /m).slice(1);

// Each test has a folder of its own, so they run at once and their processes overlap.
describe.concurrent("steward run", () => {
  /** A migrated folder, as after a first start (data-folder.test.ts starts one from an empty folder). */
  const folder = async (): Promise<Record<string, string>> => ({ STEWARD_DATA_DIR: await preparedDataFolder() });

  it("prints the reply and exits 0, 1 on a user error, 2 on an internal error", async () => {
    const env = await folder();
    const submit = await steward(["run", "--as", "alice", "/site submit https://studio.example.com kind:editorx role:owner"], env);
    expect(submit.stdout).toMatch(/Submitted https:\/\/studio\.example\.com .*\+300 points/);
    expect(submit.code).toBe(0);
    const second = await steward(["run", "--as", "alice", '/site submit https://bakery.example.com kind:classic role:collaborator'], env);
    expect(second.code).toBe(0);
    // Deliveries addressed to the terminal are printed after the reply: the announcement and alice's DM go
    // out on lanes of their own, side by side (jobs/deliver.ts), so either may come first.
    expect(second.stdout).toMatch(/Balance: 400 points\.\n→ /);
    expect(second.stdout).toMatch(/^Submitted [^]*\n→ #announcements: 🎉 alice reached Pioneer/);

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
    // Seven processes; /tier and the tier-up also start the drawing thread.
  }, 300_000);

  it("writes pictures under the data folder and prints `image: <path>.png`: the tier card, its tier-up announcement, the report's heatmap", async () => {
    const env = await folder();
    const image = (stdout: string) => [...stdout.matchAll(/^.*image: (.+\.png)$/gm)].map((m) => m[1] as string);
    const submit = await steward(["run", "--as", "alice", "/site submit https://studio.example.com kind:editorx role:owner"], env);
    expect(submit.code).toBe(0);
    const up = await steward(["run", "--as", "alice", "/site submit https://bakery.example.com kind:classic role:collaborator"], env);
    // The announcement and the DM each carry the new tier's card.
    expect(up.stdout).toMatch(/→ #announcements: 🎉 alice reached Pioneer with 400 points!\n\nimage: /);
    expect(image(up.stdout)).toHaveLength(2);

    const tier = await steward(["run", "--as", "alice", "/tier"], env);
    expect(tier.code).toBe(0);
    const [card] = image(tier.stdout);
    expect(card?.startsWith(join(env.STEWARD_DATA_DIR as string, "pictures"))).toBe(true);
    const png = PNG.sync.read(readFileSync(card as string));
    expect([png.width, png.height]).toEqual([800, 320]);

    await steward(["run", "--as", "bob", "/apply community-leaders-velo profiles:https://forum.example.com/u/bob experience:years contribution:meetups"], env);
    await steward(["run", "--as", "mod", "/review approve bob community-leaders-velo"], env);
    const report = await steward(["run", "--as", "mod", "/report community-leaders-velo"], env);
    expect(report.code).toBe(0);
    const [heat] = image(report.stdout);
    expect(heat).toMatch(/heatmap-community-leaders-velo-\d{4}-W\d{2}-.*\.png$/);
    expect(PNG.sync.read(readFileSync(heat as string)).width).toBeGreaterThan(700);
    // Six processes, each starting the embedded database and the drawing thread.
  }, 300_000);

  it("answers /program, /badges, /settings and /report partner, and runs a pack whose reminder cron lists hours (issue 10)", async () => {
    const env = await folder();
    // One chat for the four answers (a chat starts dearer than a run, cheaper than four); exit codes are the first test's.
    const chat = await chatLines("bob", ["/program community-leaders-velo", "/badges", "/settings timezone:Mars/Olympus", "/as mod", "/report partner"], env);
    expect(chat.stderr).toBe("");
    const [program, badges, zone, , health] = replies(chat.stdout);
    expect(program).toContain("Terms: A volunteer position, not a paid job");
    expect(badges).toContain("@bob holds no badges.");
    expect(zone).toContain("Mars/Olympus is not a time zone I know.");
    expect(health).toMatch(/Wix Partner Program health — week \S+ so far/);

    const pack = join(env.STEWARD_DATA_DIR as string, "pack.yaml");
    writeFileSync(pack, readFileSync(fileURLToPath(new URL("../../src/programs/wix.yaml", import.meta.url)), "utf8").replace("name: Velo Community Leaders", 'name: Velo Community Leaders\n    reminderCron: "0 10,14 * * 4"'));
    // Wide enough that each schedule stays on one line (piped output is otherwise fitted to 100 columns).
    const schedule = await steward(["run", "--as", "bob", "/schedule"], { ...env, STEWARD_PROGRAMS: pack, COLUMNS: "200" });
    expect(schedule.code).toBe(0);
    expect(schedule.stdout).toMatch(/reminder\/community-leaders-velo\s+0 10,14 \* \* 4\s+Thu \d+ \w+ \d{4}, (10|14):00/);
    // Two processes, each opening the embedded database.
  }, 600_000);

  it("pays the spellings of one site once, refuses a second owner and a made-up host (issue 9)", async () => {
    const env = await folder();
    const spellings = ["https://studio.example.com", "http://studio.example.com", "https://studio.example.com.", "https://www.studio.example.com", "https://studio.example.com/about"];
    // One chat for the whole story (nine `steward run`s cost three times its CPU); exit codes are the first test's.
    const chat = await chatLines(
      "alice",
      [...spellings.map((url) => `/site submit ${url} kind:editorx role:owner`), "/as bob", "/site submit https://WWW.studio.example.com/ kind:editorx role:owner", "/as alice", "/site submit https://fuzz{}.example.com kind:classic", "/points"],
      env,
    );
    const said = replies(chat.stdout);
    const [first, ...again] = said.slice(0, spellings.length);
    expect(first).toMatch(/\+300 points\. Balance: 300 points/);
    expect(again).toHaveLength(4);
    for (const r of again) expect(r).toMatch(/You already submitted https:\/\/studio\.example\.com/);

    const [second, , madeUp, points] = said.slice(spellings.length + 1);
    expect(second).toMatch(/already has an owner.*\n.*\/site transfer https:\/\/studio\.example\.com <you>/);
    expect(madeUp).toMatch(/The host fuzz\{\}\.example\.com has an invalid part/);
    expect(points?.match(/Editor X site/g)).toHaveLength(1);
    expect(points).toMatch(/Points of @alice: 300\n/);
  }, 300_000);

  it("stops with a message naming a wrong variable", async () => {
    const env = await folder();
    const r = await steward(["run", "--as", "alice", "/tier"], { ...env, STEWARD_TIMEZONE: "Nowhere/Land" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/STEWARD_TIMEZONE: expected an IANA time zone/);
  });
});

describe("steward chat", () => {
  it("answers typed lines, switches user, and prints deliveries as they happen", async () => {
    const env = { STEWARD_DATA_DIR: await preparedDataFolder("steward-chat-") };
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

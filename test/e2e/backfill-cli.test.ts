// `steward backfill` as an operator runs it: a real process on an embedded
// database on disk. Without platform settings it says what it needs and
// changes nothing; with Slack set up (the fake) it counts the imported
// members' messages and prints the summary per program and week, and a
// second run has nothing left to read.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { steward } from "../helpers/cli.ts";
import { preparedDataFolder } from "../helpers/test-databases.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.ts";

/** A copy of the run's migrated folder: initdb and the migrations would cost more than the test (a first start is operator.test.ts's). */
const dataDir = () => preparedDataFolder("steward-backfill-");

describe("steward backfill (the CLI)", () => {
  let fake: FakeSlack;
  beforeAll(async () => {
    fake = await startFakeSlack();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("without platform settings, --dry-run says exactly what it needs and changes nothing", async () => {
    const r = await steward(["backfill", "--weeks", "8", "--dry-run"], { STEWARD_DATA_DIR: await dataDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("steward backfill cannot read history yet (no platform is configured");
    expect(r.stdout).toContain("SLACK_BOT_TOKEN: the app's bot token (xoxb-…), with the scopes channels:history and groups:history");
    expect(r.stdout).toContain("SLACK_CHANNELS: the Slack channel id of #community, #editorx-community, #velo-masters");
    expect(r.stdout).toContain("DISCORD_TOKEN");
    expect(r.stdout).toContain("DISCOURSE_URL");
    expect(r.stdout).toContain("nothing was changed");
  }, 60_000);

  it("refuses options it cannot read, saying why", async () => {
    const r = await steward(["backfill", "--weeks", "eight"], { STEWARD_DATA_DIR: await dataDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--weeks eight is not a number of weeks");
  }, 60_000);

  it("counts the imported members' messages from Slack's history and prints a summary per program and week", async () => {
    const dir = mkdtempSync(join(tmpdir(), "steward-backfill-csv-"));
    const csv = join(dir, "members.csv");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(csv, "program,member,slack_id,discord_id,forum_user,dashboard_id,joined,left\ncommunity-leaders-velo,dana,U0DANA01,,,,2025-01-06,\n");
    const now = Date.now();
    const day = 86_400_000;
    fake.archive.set(
      "CCOM",
      [3, 10, 17, 24].flatMap((d, i) => [
        { type: "message" as const, ts: `${Math.floor((now - d * day) / 1000)}.00000${i}`, user: "U0DANA01", client_msg_id: `m${i}` },
        { type: "message" as const, ts: `${Math.floor((now - d * day) / 1000)}.10000${i}`, user: "U0SOMEONE" },
      ]),
    );
    const env = { STEWARD_DATA_DIR: await dataDir(), SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "secret", SLACK_API_URL: fake.apiUrl, SLACK_CHANNELS: "community=CCOM" };
    expect((await steward(["import", "members", csv], env)).code).toBe(0);
    // Only #community is mapped: the other programs' channels are what the run still needs.
    const needs = await steward(["backfill", "--dry-run"], env);
    expect(needs.stdout).toContain("SLACK_CHANNELS: the Slack channel id of #editorx-community, #velo-masters");
    const full = { ...env, SLACK_CHANNELS: "community=CCOM,editorx-community=CEDX,velo-masters=CVM" };
    fake.archive.set("CEDX", []);
    fake.archive.set("CVM", []);
    const run = await steward(["backfill", "--platform", "slack"], full);
    expect(run.stderr).not.toContain("Error");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Slack #community (CCOM): done, 8 message(s) read, 4 counted");
    expect(run.stdout).toMatch(/Counted this run, per program and week:\nprogram\t\d{4}-W\d\d/);
    expect(run.stdout).toMatch(/community-leaders-velo(\t[01]){4,5}\n/);
    const again = await steward(["backfill", "--platform", "slack"], full);
    expect(again.stdout).toContain("Slack #community (CCOM): already done");
  }, 120_000);
});

// Slack (Bolt) and Discord (discord.js) in one process, as `steward serve` runs
// them when both are configured. Bolt is imported first, as src/main.ts starts
// Slack first: its Socket Mode client loads undici 7, which installs itself as
// the process-wide default dispatcher that discord.js's REST (undici 6) would
// otherwise pick up for its multipart uploads.
import { PNG } from "pngjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { startSlack, type RunningSlack } from "../../src/adapters/slack/app.ts";
import { discordHarness, slashCommand, type DiscordHarness } from "../helpers/fake-discord.ts";
import { startFakeSlack, type FakeSlack } from "../helpers/fake-slack.ts";
import { storeKinds } from "../helpers/runtime.ts";

const alice = { id: "1400000000000000001", username: "alice" };

describe.each(storeKinds)("Slack and Discord in one process on %s", (kind) => {
  let fake: FakeSlack;
  let h: DiscordHarness;
  let slack: RunningSlack;

  beforeEach(async () => {
    fake = await startFakeSlack();
    h = await discordHarness(kind, registry, { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "test-signing-secret", SLACK_API_URL: fake.apiUrl });
    slack = await startSlack(h.runtime, registry, { port: 0, host: "127.0.0.1" });
  });
  afterEach(async () => {
    await slack.stop();
    await h.close();
    await fake.stop();
  });

  it("Discord's /tier uploads its card while Bolt runs beside it", async () => {
    await h.interact(slashCommand(h.base(alice), "tier"));
    const sent = h.fake.requests.filter((r) => r.files.some((f) => f.name === "tier-alice.png"));
    expect(sent).toHaveLength(1);
    const file = sent[0]!.files.find((f) => f.name === "tier-alice.png")!;
    expect(file.contentType).toBe("image/png");
    const png = PNG.sync.read(file.bytes);
    expect([png.width, png.height]).toEqual([800, 320]);
  });
});

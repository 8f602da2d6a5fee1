// The real Bolt app on a local port, its Web API pointed at a fake Slack, on a
// test runtime: what every Slack end-to-end suite starts with.
import type { Registry } from "../../src/dispatch/dispatch.ts";
import { startSlack, SLACK_EVENTS_PATH, type RunningSlack } from "../../src/adapters/slack/app.ts";
import { warmPictures } from "../../src/chat/pictures/index.ts";
import { startFakeSlack, type FakeSlack } from "./fake-slack.ts";
import { testRuntime, type StoreKind, type TestRuntime } from "./runtime.ts";

export interface SlackHarness {
  fake: FakeSlack;
  rt: TestRuntime;
  slack: RunningSlack;
  /** Where signed requests go. */
  url: string;
  stop(): Promise<void>;
}

export async function startSlackHarness(kind: StoreKind, secret: string, registry: Registry): Promise<SlackHarness> {
  const fake = await startFakeSlack();
  const rt = await testRuntime(kind, {
    SLACK_BOT_TOKEN: "xoxb-test",
    SLACK_SIGNING_SECRET: secret,
    SLACK_API_URL: fake.apiUrl,
    SLACK_MODERATOR_IDS: "UMOD",
    SLACK_CHANNELS: "announcements=CANN,moderators=CMOD,community=CCOM",
  });
  const slack = await startSlack(rt, registry, { port: 0, host: "127.0.0.1" });
  // As a running Steward does at start: the first picture does not wait for the fonts to load.
  await warmPictures();
  return {
    fake,
    rt,
    slack,
    url: `http://127.0.0.1:${slack.port}${SLACK_EVENTS_PATH}`,
    stop: async () => {
      await slack.stop();
      await rt.close();
      await fake.stop();
    },
  };
}

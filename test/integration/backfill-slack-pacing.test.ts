// Slack's Tier 3 budget is per method: conversations.history and conversations.replies each allow 50 requests
// a minute. The backfill spaces each method's requests 1.2 s apart on its own, so a thread's replies do not
// wait behind the history pages (or the other way round), on a virtual clock.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { slackHistorySources, TIER3_PER_MINUTE } from "../../src/adapters/slack/history.ts";
import { Pacer } from "../../src/services/backfill.ts";
import { startFakeSlack, type ArchivedMessage, type FakeSlack } from "../helpers/fake-slack.ts";
import { runOn, virtualClock } from "../helpers/virtual-clock.ts";

const CHANNEL = "C0PACING1";
const START = Date.parse("2026-11-02T00:00:00Z") / 1000;

describe("backfill pacing (Slack)", () => {
  let fake: FakeSlack;
  beforeEach(async () => {
    fake = await startFakeSlack();
    // Six messages, each with a thread of two replies: three history pages of two, six threads.
    const archive: ArchivedMessage[] = [];
    for (let i = 0; i < 6; i++) {
      const ts = (START + i * 3600).toFixed(6);
      archive.push({ type: "message", ts, user: "U0DANA01", thread_ts: ts, client_msg_id: `m${i}` });
      for (let r = 1; r <= 2; r++) archive.push({ type: "message", ts: (START + i * 3600 + r * 60).toFixed(6), user: "U0ELI002", thread_ts: ts, client_msg_id: `m${i}r${r}` });
    }
    fake.archive.set(CHANNEL, archive);
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("spaces each method by a fiftieth of a minute, and one method's requests do not wait for the other's", async () => {
    const clock = virtualClock(Date.parse("2026-11-20T00:00:00Z"));
    const at: Record<string, number[]> = { "conversations.history": [], "conversations.replies": [] };
    for (const method of Object.keys(at)) fake.on(method, () => (at[method]?.push(clock.now()), undefined));
    const [source] = slackHistorySources({ token: "xoxb-test", apiUrl: fake.apiUrl, channels: [{ name: "community", id: CHANNEL }], since: new Date(START * 1000 - 1000), pacer: new Pacer(clock), limit: 2 });
    const read = async () => {
      let messages = 0;
      let cursor: string | undefined;
      do {
        const page = await source!.page(cursor);
        messages += page.messages.length;
        cursor = page.next;
      } while (cursor);
      return messages;
    };
    const started = clock.now();
    expect(await runOn(clock, read())).toBe(18);
    const spacing = 60_000 / TIER3_PER_MINUTE;
    for (const times of Object.values(at)) for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(spacing);
    const history = at["conversations.history"]!.length;
    const replies = at["conversations.replies"]!.length;
    expect(history).toBe(3);
    expect(replies).toBeGreaterThanOrEqual(6);
    // One budget for both would take (history + replies − 1) spacings; each method its own, about the busier one's.
    expect(clock.now() - started).toBeLessThan((history + replies - 1) * spacing);
  });
});

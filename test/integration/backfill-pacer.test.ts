// The backfill's HTTP pacing against the fake Discord, on a virtual clock:
// a 429's Retry-After is waited out and the same page asked again, and an
// empty route bucket (X-RateLimit-Remaining: 0) holds the next request until
// X-RateLimit-Reset-After has passed, instead of earning a 429.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discordHistorySources } from "../../src/adapters/discord/history.ts";
import { Pacer } from "../../src/services/backfill.ts";
import { GUILD_ID, messageCreate, startFakeDiscord, type FakeDiscord } from "../helpers/fake-discord.ts";
import { runOn, virtualClock } from "../helpers/virtual-clock.ts";

const CHANNEL = "1300000000000000009";
const raw = (n: number) =>
  messageCreate(GUILD_ID, CHANNEL, { id: "1300000000000001004", username: "gil" }, { id: String(((BigInt(Date.parse("2026-11-01T00:00:00Z") + n * 60_000) - 1_420_070_400_000n) << 22n)), timestamp: new Date(Date.parse("2026-11-01T00:00:00Z") + n * 60_000).toISOString() });

describe("backfill pacing (Discord)", () => {
  let fake: FakeDiscord;
  beforeEach(async () => {
    fake = await startFakeDiscord({ id: GUILD_ID, roles: [], channels: [], members: new Map() });
    fake.history.set(CHANNEL, Array.from({ length: 250 }, (_, n) => raw(n)));
  });
  afterEach(async () => {
    await fake.close();
  });

  it("waits out a 429 and an empty bucket on the clock, reading every page once", async () => {
    const clock = virtualClock(0);
    const [source] = discordHistorySources({ token: "t", apiUrl: fake.url, channels: [{ name: "editorx-community", id: CHANNEL }], since: new Date("2026-10-01T00:00:00Z"), pacer: new Pacer(clock) });
    const times: number[] = [];
    const read = async () => {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        times.push(clock.now());
        const page = await source!.page(cursor);
        ids.push(...page.messages.map((m) => m.messageId));
        cursor = page.next;
      } while (cursor);
      return ids;
    };
    // The first page's answer says the bucket is now empty for 2.5 s; the second page first gets a 429 for 4 s.
    fake.failNext("GET", /^\/channels\/\d+\/messages$/, 200, [...fake.history.get(CHANNEL)!].reverse().slice(0, 100), { "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "2.5" });
    const ids = await runOn(clock, read());
    expect(new Set(ids).size).toBe(250);
    expect(ids).toHaveLength(250);
    const requests = fake.find("GET", /^\/channels\/\d+\/messages$/);
    expect(requests.map((r) => r.query.get("limit"))).toEqual(["100", "100", "100"]);
    expect(clock.now()).toBe(2_500);

    fake.rateLimitNext("GET", /^\/channels\/\d+\/messages$/, 4);
    const again = await runOn(clock, read());
    expect(again).toHaveLength(250);
    expect(clock.now()).toBe(6_500);
    expect(fake.find("GET", /^\/channels\/\d+\/messages$/)).toHaveLength(7);
  });
});

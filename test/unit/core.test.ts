// The helpers every layer shares: neutral mentions and each adapter's reader, the channel map in
// both directions, and the one bounded wait.
import { afterEach, describe, expect, it, vi } from "vitest";
import { readDiscordMention } from "../../src/adapters/discord/mentions.ts";
import { readSlackMention } from "../../src/adapters/slack/mentions.ts";
import { logicalChannelName, mappedChannelId } from "../../src/core/channels.ts";
import { accountMention, readAccountMention } from "../../src/core/mentions.ts";
import { withTimeout } from "../../src/core/timeout.ts";

describe("mentions", () => {
  it("each adapter reads its own platform's markup and nothing else", () => {
    expect(readSlackMention("<@U0ALICE|alice>")).toEqual({ platform: "slack", externalId: "U0ALICE" });
    expect(readSlackMention("<@W0GRID>")).toEqual({ platform: "slack", externalId: "W0GRID" });
    expect(readDiscordMention("<@123456789012345678>")).toEqual({ platform: "discord", externalId: "123456789012345678" });
    expect(readDiscordMention("<@!123456789012345678>")).toEqual({ platform: "discord", externalId: "123456789012345678" });
    // One platform's mention is plain text to the other, and group or channel pings are never members.
    expect(readSlackMention("<@123456789012345678>")).toBeUndefined();
    expect(readDiscordMention("<@U0ALICE|alice>")).toBeUndefined();
    for (const text of ["<!channel>", "<#C0GENERAL>", "<!subteam^S0ADMINS|@admins>", "<@&123456789012345678>", "@everyone", "alice", "@alice"]) {
      expect(readSlackMention(text), text).toBeUndefined();
      expect(readDiscordMention(text), text).toBeUndefined();
    }
  });

  it("passes an account on in the neutral form the services read back", () => {
    const account = { platform: "slack", externalId: "U0ALICE" };
    expect(accountMention(account)).toBe("<@slack:U0ALICE>");
    expect(readAccountMention(accountMention(account))).toEqual(account);
    expect(readAccountMention(" <@discord:42> ")).toEqual({ platform: "discord", externalId: "42" });
    // Handles and platform markup are not the neutral form.
    for (const text of ["alice", "@alice", "<@U0ALICE|alice>", "<@123>", "<@slack:>", "<@slack:U1 U2>"]) expect(readAccountMention(text), text).toBeUndefined();
  });
});

describe("channel maps", () => {
  const map = { announcements: "C0ANN", moderators: "C0MOD" };

  it("reads a logical name as its id, with or without #, and an id back as its name", () => {
    expect(mappedChannelId(map, "announcements")).toBe("C0ANN");
    expect(mappedChannelId(map, "#moderators")).toBe("C0MOD");
    expect(mappedChannelId(map, "general")).toBeUndefined();
    expect(logicalChannelName(map, "C0MOD")).toBe("moderators");
    expect(logicalChannelName(map, "C0OTHER")).toBeUndefined();
  });
});

describe("withTimeout", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("answers with the work when it ends first, and with the late value when the time runs out first", async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve("done"), 1000, "late")).resolves.toBe("done");
    const never = new Promise<string>(() => undefined);
    const waiting = withTimeout(never, 1000, "late");
    await vi.advanceTimersByTimeAsync(1000);
    await expect(waiting).resolves.toBe("late");
    // The timer is cleared either way: nothing is left to fire.
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes a failure of the work on", async () => {
    await expect(withTimeout(Promise.reject(new Error("boom")), 1000, "late")).rejects.toThrow("boom");
  });
});

// The dashboard asks on every request whether a Discord user is still a
// moderator: their roles are read over REST (through discord.js, from the
// fake Discord), not from an interaction.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { discordHarness, ROLE, snowflake, type DiscordHarness } from "../helpers/fake-discord.ts";

describe("a Discord moderator, asked outside an interaction", () => {
  let h: DiscordHarness;
  beforeAll(async () => {
    h = await discordHarness("pglite", registry);
  });
  afterAll(() => h.close());

  it("holds the moderator role now, or not, or has left the server", async () => {
    const user = snowflake();
    h.guild.members.set(user, [ROLE.partner, ROLE.moderator]);
    expect(await h.attached.isModerator(user)).toBe(true);
    h.guild.members.set(user, [ROLE.partner]);
    expect(await h.attached.isModerator(user)).toBe(false);
    h.guild.members.delete(user);
    expect(await h.attached.isModerator(user)).toBe(false);
    expect(await h.attached.isModerator("not-a-snowflake")).toBe(false);
    expect(h.fake.find("GET", new RegExp(`/guilds/\\d+/members/${user}$`))).toHaveLength(3);
  });
});

// `npm run discord:register` and Linked Roles against the local fake of
// Discord's REST API: the bodies Discord receives, and where they go.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commands } from "../../commands/index.ts";
import { buildApplicationCommands } from "../../src/adapters/discord/registration.ts";
import { pushRoleConnection, roleConnectionBody, roleConnectionFor } from "../../src/adapters/discord/linked-roles.ts";
import { loadPack } from "../../src/programs/load.ts";
import { registerDiscord } from "../../scripts/discord-register.ts";
import { testConfig, testRuntime } from "../helpers/runtime.ts";
import { APP_ID, GUILD_ID, startFakeDiscord, type FakeDiscord } from "../helpers/fake-discord.ts";

const pack = loadPack(undefined);

describe("discord:register", () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await startFakeDiscord({ id: GUILD_ID, roles: [], channels: [], members: new Map() }, APP_ID);
  });
  afterAll(async () => {
    await fake.close();
  });

  const env = { DISCORD_TOKEN: "bot-token", DISCORD_APPLICATION_ID: APP_ID, DISCORD_API_URL: "" };

  it("overwrites the guild's commands when DISCORD_GUILD_ID is set, and registers Linked Roles metadata", async () => {
    fake.clear();
    const result = await registerDiscord(testConfig({ ...env, DISCORD_API_URL: fake.url, DISCORD_GUILD_ID: GUILD_ID }));
    expect(result.scope).toBe(`guild ${GUILD_ID}`);
    const put = fake.find("PUT", new RegExp(`^/applications/${APP_ID}/guilds/${GUILD_ID}/commands$`));
    expect(put).toHaveLength(1);
    expect(put[0]?.headers.authorization).toBe("Bot bot-token");
    expect(put[0]?.body).toEqual(JSON.parse(JSON.stringify(buildApplicationCommands(commands, pack))));
    // Integer options carry their ranges, so Discord's client keeps numbers in range before sending.
    type Opt = { name: string; min_value?: number; max_value?: number; options?: Opt[] };
    const adjust = (put[0]?.body as Opt[]).find((c) => c.name === "adjust");
    expect(adjust?.options?.find((o) => o.name === "points")).toMatchObject({ min_value: -pack.partner.maxAdjustment, max_value: pack.partner.maxAdjustment });
    const meta = fake.find("PUT", new RegExp(`^/applications/${APP_ID}/role-connections/metadata$`));
    expect((meta[0]?.body as { key: string; type: number }[]).map((m) => [m.key, m.type])).toEqual([["points", 2], ["tier_level", 2]]);
  });

  it("registers globally without DISCORD_GUILD_ID", async () => {
    fake.clear();
    await registerDiscord(testConfig({ ...env, DISCORD_API_URL: fake.url }));
    expect(fake.find("PUT", new RegExp(`^/applications/${APP_ID}/commands$`))).toHaveLength(1);
    expect(fake.find("PUT", /\/guilds\//)).toHaveLength(0);
  });

  it("builds a member's role-connection body and publishes it with the user's OAuth token", async () => {
    expect(roleConnectionBody(pack, { handle: "alice" }, { points: 1200, tier: "creator" })).toEqual({
      platform_name: "Wix Partner Program",
      platform_username: "alice",
      metadata: { points: "1200", tier_level: "2" },
    });
    const runtime = await testRuntime("pglite");
    try {
      const m = await runtime.app.db.member.create({ data: { handle: "bob", displayName: "Bob", balance: { create: { points: 450, tier: "pioneer" } } } });
      const body = await roleConnectionFor(runtime.app, m.id);
      expect(body.metadata).toEqual({ points: "450", tier_level: "1" });
      fake.clear();
      const token = fake.oauth.issue({ id: "1400000000000000009", username: "bob" });
      await pushRoleConnection({ api: fake.url, applicationId: APP_ID, userAccessToken: token }, body);
      const put = fake.find("PUT", new RegExp(`^/users/@me/applications/${APP_ID}/role-connection$`));
      expect(put[0]?.headers.authorization).toBe(`Bearer ${token}`);
      expect(put[0]?.body).toEqual(body);
    } finally {
      await runtime.close();
    }
  });
});

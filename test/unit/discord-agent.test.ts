// The agent handed to discord.js must come from the undici copy discord.js
// itself sends with: an agent of another copy is the mismatch it exists to avoid.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);

describe("discordAgent", () => {
  it("is built from the same undici copy @discordjs/rest sends with", () => {
    const ours = require.resolve("undici");
    const restRequire = createRequire(require.resolve("@discordjs/rest"));
    expect(restRequire.resolve("undici"), "package.json's undici must match discord.js's major so npm shares one copy").toBe(ours);
  });
});

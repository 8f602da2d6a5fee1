// Linked Roles settings and the sealing of stored tokens: what config.ts
// refuses, and that a sealed token opens only with the same secret, for the
// same member, unaltered.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { sealer } from "../../src/services/sealed.ts";

const SECRET = "s".repeat(32);

describe("Linked Roles configuration", () => {
  it("needs the application id and the public URL (hence the secret) with DISCORD_CLIENT_SECRET", () => {
    expect(() => loadConfig({ DISCORD_CLIENT_SECRET: "cs" })).toThrow(/DISCORD_APPLICATION_ID .* and STEWARD_PUBLIC_URL/);
    expect(() => loadConfig({ DISCORD_CLIENT_SECRET: "cs", DISCORD_APPLICATION_ID: "1000" })).toThrow(/STEWARD_PUBLIC_URL/);
    expect(() => loadConfig({ DISCORD_CLIENT_SECRET: "cs", DISCORD_APPLICATION_ID: "1000", STEWARD_PUBLIC_URL: "https://s.example.org" })).toThrow(/STEWARD_SECRET/);
    expect(loadConfig({ DISCORD_CLIENT_SECRET: "cs", DISCORD_APPLICATION_ID: "1000", STEWARD_PUBLIC_URL: "https://s.example.org", STEWARD_SECRET: SECRET }).DISCORD_CLIENT_SECRET).toBe("cs");
    expect(loadConfig({ DISCORD_CLIENT_SECRET: "" }).DISCORD_CLIENT_SECRET).toBeUndefined();
  });
});

describe("sealed tokens", () => {
  const box = sealer(SECRET, "discord-oauth-tokens");
  it("hide the token, differ every time, and open for their owner", () => {
    const a = box.seal("access-token-123", "member-1");
    const b = box.seal("access-token-123", "member-1");
    expect(a).not.toContain("access-token-123");
    expect(a).not.toBe(b);
    expect(box.open(a, "member-1")).toBe("access-token-123");
  });

  it("refuse another owner, another secret or purpose, and any altered byte", () => {
    const sealed = box.seal("access-token-123", "member-1");
    expect(() => box.open(sealed, "member-2")).toThrow();
    expect(() => sealer("t".repeat(32), "discord-oauth-tokens").open(sealed, "member-1")).toThrow();
    expect(() => sealer(SECRET, "other").open(sealed, "member-1")).toThrow();
    const raw = Buffer.from(sealed.slice(3), "base64url");
    raw.writeUInt8((raw.at(-1) ?? 0) ^ 1, raw.length - 1);
    expect(() => box.open(`v1.${raw.toString("base64url")}`, "member-1")).toThrow();
    expect(() => box.open("plain-token", "member-1")).toThrow(/not a sealed value/);
  });
});

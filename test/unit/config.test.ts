import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";

describe("configuration", () => {
  it("starts on embedded defaults with nothing set", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ STEWARD_DATA_DIR: "./data", STEWARD_TIMEZONE: "UTC", STEWARD_MODERATORS: [], LOG_LEVEL: "info" });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.REDIS_URL).toBeUndefined();
  });

  it("names each wrong variable and what it expects", () => {
    let err: unknown;
    try {
      loadConfig({ STEWARD_TIMEZONE: "Mars/Olympus", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/STEWARD_TIMEZONE: expected an IANA time zone/);
    expect(message).toMatch(/DATABASE_URL: expected a URL such as postgresql:/);
    expect(message).toMatch(/LOG_LEVEL/);
  });

  it("reads lists and treats empty values as unset", () => {
    const c = loadConfig({ STEWARD_MODERATORS: " mod, carol ,", DATABASE_URL: "", STEWARD_TIMEZONE: "Europe/Berlin" });
    expect(c.STEWARD_MODERATORS).toEqual(["mod", "carol"]);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.STEWARD_TIMEZONE).toBe("Europe/Berlin");
  });

  it("asks for what a half-configured platform is missing", () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(() => loadConfig({ DISCORD_TOKEN: "abc" })).toThrow(/DISCORD_APPLICATION_ID/);
    const key = "a".repeat(64);
    expect(() => loadConfig({ DISCORD_TOKEN: "abc", DISCORD_APPLICATION_ID: "1", DISCORD_PUBLIC_KEY: key })).toThrow(/STEWARD_HTTP_PORT/);
    expect(() => loadConfig({ DISCORD_TOKEN: "abc", DISCORD_APPLICATION_ID: "1", DISCORD_PUBLIC_KEY: "not-hex", STEWARD_HTTP_PORT: "8080" })).toThrow(/DISCORD_PUBLIC_KEY: expected .*64 hex/);
    expect(loadConfig({ DISCORD_TOKEN: "abc", DISCORD_APPLICATION_ID: "1", DISCORD_PUBLIC_KEY: key, STEWARD_HTTP_PORT: "8080" }).DISCORD_PUBLIC_KEY).toBe(key);
  });

  it("names PARTNER_WEBHOOK_SECRET when its whsec_ form is not base64 (issue 27)", () => {
    expect(() => loadConfig({ PARTNER_WEBHOOK_SECRET: "whsec_!!!not-base64!!!" })).toThrow(ConfigError);
    expect(() => loadConfig({ PARTNER_WEBHOOK_SECRET: "whsec_!!!not-base64!!!" })).toThrow(/PARTNER_WEBHOOK_SECRET: expected .*base64/);
    expect(loadConfig({ PARTNER_WEBHOOK_SECRET: `whsec_${Buffer.from("partner-signing-key").toString("base64")}` }).PARTNER_WEBHOOK_SECRET).toMatch(/^whsec_/);
    expect(loadConfig({ PARTNER_WEBHOOK_SECRET: "a raw secret of some length" }).PARTNER_WEBHOOK_SECRET).toBe("a raw secret of some length");
  });

  it("turns the dashboard on only with a secret of at least 32 bytes", () => {
    expect(() => loadConfig({ STEWARD_PUBLIC_URL: "https://steward.example.org" })).toThrow(/STEWARD_SECRET too/);
    expect(() => loadConfig({ STEWARD_PUBLIC_URL: "https://steward.example.org", STEWARD_SECRET: "x".repeat(31) })).toThrow(/STEWARD_SECRET is 31 bytes long; it must be at least 32/);
    // Bytes, not characters: 11 three-byte characters are 33 bytes.
    expect(loadConfig({ STEWARD_PUBLIC_URL: "https://steward.example.org", STEWARD_SECRET: "€".repeat(11) }).STEWARD_SECRET).toBe("€".repeat(11));
    expect(() => loadConfig({ STEWARD_PUBLIC_URL: "steward.example.org", STEWARD_SECRET: "x".repeat(32) })).toThrow(/STEWARD_PUBLIC_URL: expected a URL such as https:/);
    expect(loadConfig({}).STEWARD_PUBLIC_URL).toBeUndefined();
  });
});

// slack/manifest.yml must be what the code needs: generated from the
// registry, with exactly the scopes of the Web API methods the adapter calls
// and the events it listens to.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { registry } from "../../commands/index.ts";
import { botScopes, EVENT_SUBSCRIPTIONS, manifestYaml, METHOD_SCOPES, slackManifest } from "../../src/adapters/slack/manifest.ts";
import { slashCommands } from "../../src/adapters/slack/slash.ts";

const root = join(import.meta.dirname, "../..");
const adapterDir = join(root, "src/adapters/slack");
const source = readdirSync(adapterDir)
  .filter((f) => f.endsWith(".ts") && f !== "manifest.ts")
  .map((f) => readFileSync(join(adapterDir, f), "utf8"))
  .join("\n");

describe("Slack app manifest", () => {
  it("slack/manifest.yml is the generated manifest (regenerate: npx tsx src/adapters/slack/manifest.ts > slack/manifest.yml)", () => {
    const file = readFileSync(join(root, "slack/manifest.yml"), "utf8");
    expect(file).toBe(manifestYaml(registry));
  });

  it("lists /steward and a shortcut for each common command the registry has", () => {
    const m = parse(readFileSync(join(root, "slack/manifest.yml"), "utf8")) as ReturnType<typeof slackManifest>;
    expect(m.features.slash_commands.map((c) => c.command)).toEqual(slashCommands(registry).map((c) => c.slash));
    expect(m.features.slash_commands[0]?.command).toBe("/steward");
    for (const c of m.features.slash_commands) expect(c.command).toMatch(/^\/[a-z0-9_-]{1,31}$/);
  });

  it("asks for exactly the scopes of the Web API methods the adapter calls", () => {
    const called = new Set<string>();
    for (const m of source.matchAll(/client\.((?:[a-z]+\.)+[a-zA-Z]+)\(/g)) called.add(m[1]!);
    for (const m of source.matchAll(/client\.(filesUploadV2)\(/g)) called.add(m[1]!);
    // auth.test is Bolt's own call at start.
    expect([...called].sort()).toEqual(Object.keys(METHOD_SCOPES).filter((k) => k !== "auth.test").sort());
    const m = slackManifest(registry);
    expect(m.oauth_config.scopes.bot).toEqual(botScopes());
    expect(m.oauth_config.scopes.bot).toContain("commands");
  });

  it("subscribes to exactly the events the adapter listens to, with interactivity on for buttons and modals", () => {
    const listened = [...source.matchAll(/bolt\.event\("([a-z_]+)"/g)].map((m) => m[1]!);
    expect(listened.sort()).toEqual(Object.keys(EVENT_SUBSCRIPTIONS).sort());
    const m = slackManifest(registry);
    expect(m.settings.event_subscriptions.bot_events).toEqual(["app_home_opened", "message.channels", "message.groups"]);
    expect(source).toMatch(/bolt\.action</);
    expect(m.settings.interactivity.is_enabled).toBe(true);
    expect(m.features.app_home.home_tab_enabled).toBe(true);
  });
});

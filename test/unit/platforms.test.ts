// Which platforms a process starts (src/adapters/index.ts): each from its own settings, the terminal only for
// `steward chat`, the webhooks and the dashboard only with an HTTP server, the dashboard after the jobs.
import { beforeAll, describe, expect, it } from "vitest";
import { PLATFORMS } from "../../src/adapters/index.ts";
import type { PlatformEntry, PlatformModule, ProcessKind } from "../../src/adapters/platform.ts";
import { loadConfig } from "../../src/config.ts";

const FOLDERS = ["console", "slack", "discord", "forum", "partner-dashboard", "web"];
/** Each registered platform's folder, found by the module its registration loads. */
const folderOf = new Map<PlatformEntry, string>();

beforeAll(async () => {
  const modules = new Map<PlatformModule, string>();
  for (const folder of FOLDERS) modules.set((await import(`../../src/adapters/${folder}/start.ts`)) as PlatformModule, folder);
  for (const p of PLATFORMS) folderOf.set(p, modules.get(await p.load()) ?? "not a known platform");
}, 60_000);

const SECRET = { STEWARD_SECRET: "x".repeat(32) };

/** The folders of the platforms a process of this kind starts, in order. */
function started(env: Record<string, string>, kind: ProcessKind): string[] {
  const config = loadConfig(env);
  return PLATFORMS.filter((p) => p.wanted(config, kind)).map((p) => folderOf.get(p) ?? "not loaded");
}

describe("the platforms a process starts", () => {
  it("runs the terminal for steward chat only", () => {
    expect(started({}, { terminal: {}, httpPort: undefined })).toEqual(["console"]);
    expect(started({}, { httpPort: undefined })).toEqual([]);
  });

  it("starts each chat platform when its settings are set, in order", () => {
    const env = { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s", DISCORD_TOKEN: "d", DISCORD_APPLICATION_ID: "1" };
    expect(started(env, { terminal: {}, httpPort: undefined })).toEqual(["console", "slack", "discord"]);
  });

  it("delivers forum badges when the forum's API is set, and serves the webhooks only with an HTTP server", () => {
    expect(started({ DISCOURSE_URL: "https://forum.example.com", DISCOURSE_API_KEY: "k" }, { httpPort: undefined })).toEqual(["forum"]);
    expect(started({}, { httpPort: 0 })).toEqual(["forum", "partner-dashboard"]);
  });

  it("mounts the dashboard with an HTTP server and a public address, after the jobs", () => {
    expect(started({ STEWARD_PUBLIC_URL: "https://steward.example.com", ...SECRET }, { httpPort: undefined })).toEqual([]);
    expect(started({ STEWARD_PUBLIC_URL: "https://steward.example.com", ...SECRET }, { httpPort: 8080 })).toEqual(["forum", "partner-dashboard", "web"]);
    expect(PLATFORMS.filter((p) => p.afterJobs).map((p) => folderOf.get(p))).toEqual(["web"]);
  });

  it("registers every platform folder once, each with a start function", async () => {
    expect([...folderOf.values()].sort()).toEqual([...FOLDERS].sort());
    for (const p of PLATFORMS) expect(typeof (await p.load()).start).toBe("function");
  });
});

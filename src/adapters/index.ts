// Every platform Steward can start, in the order they start (the terminal's target first), each
// imported only when this process wants it. A new platform is its folder, with a start.ts exporting
// `start` (src/adapters/platform.ts), and one line here.
import type { PlatformEntry } from "./platform.ts";

export const PLATFORMS: readonly PlatformEntry[] = [
  { wanted: (_, kind) => kind.terminal !== undefined, load: () => import("./console/start.ts") },
  { wanted: (config) => Boolean(config.SLACK_BOT_TOKEN), load: () => import("./slack/start.ts") },
  { wanted: (config) => Boolean(config.DISCORD_TOKEN), load: () => import("./discord/start.ts") },
  { wanted: (config, kind) => Boolean(config.DISCOURSE_URL && config.DISCOURSE_API_KEY) || kind.httpPort !== undefined, load: () => import("./forum/start.ts") },
  { wanted: (_, kind) => kind.httpPort !== undefined, load: () => import("./partner-dashboard/start.ts") },
  { wanted: (config, kind) => Boolean(config.STEWARD_PUBLIC_URL) && kind.httpPort !== undefined, load: () => import("./web/start.ts"), afterJobs: true },
];

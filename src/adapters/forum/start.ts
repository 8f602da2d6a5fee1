// The forum (Discourse) as main.ts starts it (src/adapters/platform.ts): badges delivered when its API
// settings are set, and its webhook on the HTTP server (answering 404 until its secret is set).
import type { StartContext, StartedPlatform } from "../platform.ts";
import { discourseTarget } from "./target.ts";
import { discourseWebhook } from "./webhook.ts";

export async function start({ runtime, kind }: StartContext): Promise<StartedPlatform> {
  const { app } = runtime;
  const { DISCOURSE_URL: url, DISCOURSE_API_KEY: apiKey, DISCOURSE_API_USERNAME: apiUsername } = app.config;
  return {
    ...(url && apiKey ? { name: "forum (badges)", platform: "forum" as const, target: discourseTarget(app, { url, apiKey, apiUsername }) } : {}),
    ...(kind.httpPort !== undefined ? { routes: [discourseWebhook(app)] } : {}),
    // A forum account never signs in to the dashboard as a moderator.
    isModerator: async () => false,
    stop: async () => undefined,
  };
}

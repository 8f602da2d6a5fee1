// The partner dashboard as main.ts starts it (src/adapters/platform.ts): its webhook on the HTTP
// server, answering 404 until its secret is set.
import type { StartContext, StartedPlatform } from "../platform.ts";
import { partnerWebhook } from "./webhook.ts";

export async function start({ runtime }: StartContext): Promise<StartedPlatform> {
  return { routes: [partnerWebhook(runtime.app)], stop: async () => undefined };
}

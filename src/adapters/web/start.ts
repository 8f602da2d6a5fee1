// The moderators' dashboard as main.ts starts it (src/adapters/platform.ts): mounted on the HTTP
// server once the jobs run (it shows BullMQ's queues); sessions are re-checked by the platform
// they were opened from.
import type { StartContext, StartedPlatform } from "../platform.ts";
import { mountWeb } from "./routes.ts";

export async function start({ runtime, registry, isModerator, queues }: StartContext): Promise<StartedPlatform> {
  return { web: mountWeb({ app: runtime.app, registry, ...(queues ? { queues } : {}), isModerator }), stop: async () => undefined };
}

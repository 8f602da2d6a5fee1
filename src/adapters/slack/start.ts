// Slack as main.ts starts it (src/adapters/platform.ts): Bolt, in Socket Mode or over HTTP (app.ts).
import type { StartContext, StartedPlatform } from "../platform.ts";
import { startSlack } from "./app.ts";

export async function start({ runtime, registry }: StartContext): Promise<StartedPlatform> {
  const slack = await startSlack(runtime, registry);
  return {
    name: slack.port ? `slack (HTTP on port ${slack.port})` : "slack (Socket Mode)",
    platform: "slack",
    target: slack.target,
    isModerator: (id) => slack.context.actors.isModerator(id),
    stop: slack.stop,
  };
}

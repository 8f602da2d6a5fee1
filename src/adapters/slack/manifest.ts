// The Slack app manifest, generated from the command registry so an operator
// creates the app with exactly the commands, scopes, events and interactivity
// the code uses. slack/manifest.yml is this file's output; a test fails when
// they differ. Regenerate with:
//   npx tsx src/adapters/slack/manifest.ts > slack/manifest.yml
import { pathToFileURL } from "node:url";
import { stringify } from "yaml";
import type { Registry } from "../../kit/framework.ts";
import { slashCommands } from "./slash.ts";

/** Every Web API method the adapter calls, and the bot scope it needs (none for views.*). */
export const METHOD_SCOPES: Readonly<Record<string, string | null>> = {
  "auth.test": null,
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "conversations.open": "im:write",
  // Reading a review message back after a modal: public and private channels. Looking for an outbox
  // message an attempt that died may have sent: those channels and the DMs.
  "conversations.history": "channels:history groups:history im:history",
  "users.info": "users:read",
  "usergroups.users.list": "usergroups:read",
  "usergroups.users.update": "usergroups:write",
  "views.open": null,
  "views.publish": null,
  filesUploadV2: "files:write",
};

/** Bolt event names the adapter listens to -> the subscriptions that deliver them. */
export const EVENT_SUBSCRIPTIONS: Readonly<Record<string, string[]>> = {
  // Contributions in public and private channels (the seed's "private Slack").
  message: ["message.channels", "message.groups"],
  app_home_opened: ["app_home_opened"],
};

export function botScopes(): string[] {
  const scopes = new Set<string>(["commands"]);
  for (const s of Object.values(METHOD_SCOPES)) for (const scope of s?.split(" ") ?? []) scopes.add(scope);
  return [...scopes].sort();
}

export const PLACEHOLDER_URL = "https://steward.example.com/slack/events";

export function slackManifest(registry: Registry, requestUrl = PLACEHOLDER_URL) {
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: "Steward",
      description: "Community programs: partner points and tiers, commitments, applications, badges and reports.",
      background_color: "#1d3557",
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: "Steward", always_online: true },
      slash_commands: slashCommands(registry).map((c) => ({
        command: c.slash,
        url: requestUrl,
        description: c.description.slice(0, 100),
        usage_hint: c.usageHint.slice(0, 100),
        // Mentions arrive as <@U123|name>, which the adapter reads as members before dispatch (mentions.ts).
        should_escape: true,
      })),
    },
    oauth_config: { scopes: { bot: botScopes() } },
    settings: {
      event_subscriptions: { request_url: requestUrl, bot_events: [...new Set(Object.values(EVENT_SUBSCRIPTIONS).flat())].sort() },
      interactivity: { is_enabled: true, request_url: requestUrl },
      org_deploy_enabled: false,
      // Socket Mode (SLACK_APP_TOKEN) ignores the request URLs; switch it on in the app settings to use it.
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    },
  };
}

export function manifestYaml(registry: Registry, requestUrl = PLACEHOLDER_URL): string {
  const header = [
    "# Slack app manifest for Steward, generated from commands/ by src/adapters/slack/manifest.ts:",
    "#   npx tsx src/adapters/slack/manifest.ts > slack/manifest.yml",
    `# Replace ${PLACEHOLDER_URL} with your server's address (or enable Socket Mode).`,
  ].join("\n");
  return `${header}\n${stringify(slackManifest(registry, requestUrl), { lineWidth: 0 })}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { registry } = await import("../../../commands/index.ts");
  process.stdout.write(manifestYaml(registry));
}

// Configuration comes from the environment only, and is checked at start: a
// wrong value stops the bot with a message naming the variable and what is
// expected, instead of failing later in the middle of a command.
import { Webhook } from "standardwebhooks";
import { z } from "zod";

const list = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  );

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "an IANA time zone such as UTC, Europe/Berlin or America/New_York");

const url = (protocols: string[], example: string) =>
  z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `a URL such as ${example}`);

/** A whsec_ secret is decoded by the standard's own reader, so start-up refuses exactly what signing would fail on. */
function standardSecret(s: string): boolean {
  if (!s.startsWith("whsec_")) return true;
  try {
    new Webhook(s);
    return true;
  } catch {
    return false;
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const days = (d: number) => z.coerce.number().int().min(0).default(d);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

// Each variable carries its own documentation (`.meta`): its meaning (`description`), whether its value
// is a secret (masked by `steward config`), and its section in .env.example when its prefix does not
// say it (`group`). `steward config`, the README's table and .env.example are all generated from here:
// after adding or changing a variable, run `npm run config:docs`.
declare module "zod" {
  interface GlobalMeta {
    secret?: boolean;
    group?: string;
  }
}

export const configSchema = z.object({
  STEWARD_DATA_DIR: z.string().default("./data").meta({ group: "Storage", description: "Folder of the embedded PGlite database, used when DATABASE_URL is not set. One process at a time (it holds steward.lock); in the terminal, also the pictures it writes." }),
  DATABASE_URL: optional(url(["postgres:", "postgresql:"], "postgresql://user@127.0.0.1:5432/steward")).meta({ group: "Storage", secret: true, description: "PostgreSQL instead of the embedded database (production), e.g. postgresql://steward:secret@db:5432/steward." }),
  REDIS_URL: optional(url(["redis:", "rediss:"], "redis://127.0.0.1:6379")).meta({ group: "Storage", secret: true, description: "Redis for BullMQ job schedules and delivery workers, e.g. redis://127.0.0.1:6379. Unset: schedules and delivery run in-process." }),
  STEWARD_PROGRAMS: optional(z.string()).meta({ group: "Programs", description: "Your own program pack (a YAML or JSON file); unset: the shipped src/programs/wix.yaml. An invalid file is refused with the path of each wrong field." }),
  STEWARD_TIMEZONE: timezone.default("UTC").meta({ group: "Programs", description: "The organisation's time zone (an IANA name): weeks (ISO, from Monday), months, quarters and reports follow it; reminders and quiet hours follow each member's own zone (/settings timezone:) when they have one." }),
  STEWARD_MODERATORS: list.meta({ group: "Programs", description: "Moderators in the terminal chat and `steward run`: comma-separated handles, e.g. mod,carol." }),
  STEWARD_HTTP_PORT: optional(port).meta({ description: "Port of the HTTP server: /healthz (also /health), /readyz, /metrics, the webhooks POST /webhooks/discourse and /webhooks/partner, and when on the dashboard, the queue board and Linked Roles. Unset: none of them is served." }),
  STEWARD_PUBLIC_URL: optional(url(["http:", "https:"], "https://steward.example.org")).meta({ description: "Where people reach Steward (usually through a TLS proxy), e.g. https://steward.example.org. Setting it turns the moderators' dashboard on: /dashboard in chat then hands out sign-in links to it. Needs STEWARD_SECRET." }),
  STEWARD_SECRET: optional(z.string()).meta({ secret: true, description: "Signs dashboard sign-in links and sessions and encrypts stored Discord OAuth2 tokens (Linked Roles). Required with STEWARD_PUBLIC_URL; at least 32 bytes (openssl rand -hex 32). Changing it signs everyone out and unlinks Linked Roles." }),
  STEWARD_METRICS_TOKEN: optional(z.string().min(16, "at least 16 characters (openssl rand -hex 16)")).meta({ secret: true, description: "When set, /metrics answers only requests with `Authorization: Bearer <token>` (configure the scraper with it); unset: /metrics is open, for a scraper on a private network." }),
  STEWARD_RETAIN_OUTBOX_DAYS: days(30).meta({ description: "Days a delivered outbox row (an announcement, DM, role change once sent) is kept; the daily sweep deletes older ones in bounded batches. 0 keeps them forever." }),
  STEWARD_RETAIN_EVENT_PAYLOAD_DAYS: days(30).meta({ description: "Days the body of a finished inbound event (forum or partner webhook, import line) is kept; then the body is emptied and its key kept, so a redelivery still counts once. Held and unfinished events keep theirs. 0 keeps them forever." }),
  STEWARD_RETAIN_AUDIT_DAYS: days(365).meta({ description: "Days an audit row is kept, except the trail of changes to points and memberships (adjust, certify, disputes, site changes, reviews, removals, merges), which is kept for good. 0 keeps every row forever." }),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").meta({ description: "fatal, error, warn, info, debug, trace or silent. Logs are JSON lines on stderr; the terminal chat, `steward run` and `steward import` show warnings only unless this is set." }),

  SLACK_BOT_TOKEN: optional(z.string().startsWith("xoxb-", "a bot token starting with xoxb-")).meta({ secret: true, description: "The bot token (xoxb-…) of the app created from slack/manifest.yml (OAuth & Permissions). Turns Slack on; needs SLACK_SIGNING_SECRET or SLACK_APP_TOKEN." }),
  SLACK_SIGNING_SECRET: optional(z.string().min(1)).meta({ secret: true, description: "The app's signing secret (Basic Information): Slack's requests come in over HTTP on SLACK_PORT, path /slack/events." }),
  SLACK_APP_TOKEN: optional(z.string().startsWith("xapp-", "an app-level token starting with xapp-")).meta({ secret: true, description: "An app-level token (xapp-…, scope connections:write; Basic Information → App-Level Tokens): Socket Mode instead of the HTTP receiver, for a Steward no public address reaches. The manifest's settings.socket_mode_enabled must be true." }),
  SLACK_API_URL: optional(url(["http:", "https:"], "https://slack.com/api/")).meta({ description: "The Web API's base URL, for GovSlack or a proxy; unset: https://slack.com/api/." }),
  SLACK_PORT: port.default(3001).meta({ description: "Port of the Slack HTTP receiver (/slack/events)." }),
  SLACK_MODERATOR_GROUP: optional(z.string()).meta({ description: "A Slack user group id (S…) whose members are moderators." }),
  SLACK_MODERATOR_IDS: list.meta({ description: "Slack user ids (U…) of moderators, comma-separated." }),
  SLACK_CHANNELS: z
    .string()
    .default("")
    .refine((s) => s.split(",").every((p) => !p.trim() || /^[\w-]+=[A-Z0-9]+$/.test(p.trim())), "name=CHANNELID pairs such as announcements=C123,moderators=C456")
    .transform((s) => Object.fromEntries(s.split(",").map((p) => p.trim()).filter(Boolean).map((p) => p.split("=") as [string, string])))
    .meta({ description: "Where the pack's logical channels live on Slack: name=channel id pairs, e.g. announcements=C0123ABCD,moderators=C0456EFGH,community-velo=C0789IJKL." }),

  DISCORD_TOKEN: optional(z.string().min(1)).meta({ secret: true, description: "The bot's token (Developer Portal → Bot). Turns Discord on; needs DISCORD_APPLICATION_ID." }),
  DISCORD_APPLICATION_ID: optional(z.string().regex(/^\d+$/, "a numeric application id")).meta({ description: "The application's id (also the OAuth2 client id)." }),
  DISCORD_GUILD_ID: optional(z.string().regex(/^\d+$/, "a numeric guild (server) id")).meta({ description: "The server's id: commands register there at once and moderators' roles are read there; unset registers commands globally." }),
  DISCORD_API_URL: optional(url(["http:", "https:"], "https://discord.com/api")).meta({ description: "The REST base URL (also for Linked Roles' OAuth2 calls), for a proxy; unset: https://discord.com/api." }),
  DISCORD_MODERATOR_ROLE: optional(z.string()).meta({ description: "Members with this role (name or id) are moderators." }),
  DISCORD_CLIENT_SECRET: optional(z.string().min(1)).meta({ secret: true, description: "The application's OAuth2 client secret: turns Linked Roles on. Set the app's Linked Roles Verification URL to ${STEWARD_PUBLIC_URL}/discord/linked-role and add ${STEWARD_PUBLIC_URL}/discord/oauth-callback as a redirect; needs DISCORD_APPLICATION_ID, STEWARD_PUBLIC_URL and STEWARD_SECRET." }),
  DISCORD_CHANNELS: z
    .string()
    .default("")
    .refine((s) => s.split(",").every((p) => !p.trim() || /^[\w-]+=\d+$/.test(p.trim())), "name=channel id pairs such as announcements=123,moderators=456")
    .transform((s) => Object.fromEntries(s.split(",").map((p) => p.trim()).filter(Boolean).map((p) => p.split("=") as [string, string])))
    .meta({ description: "Where the pack's logical channels live on Discord: name=channel id pairs, e.g. announcements=1100000000000000001,moderators=1100000000000000002. Unset ones are looked up by name in the guild." }),
  DISCORD_DM_FALLBACK_CHANNEL: z.string().default("community").meta({ description: "The logical channel where a DM is posted as a mention when the member's DMs are closed." }),
  DISCORD_PUBLIC_KEY: optional(z.string().regex(/^[0-9a-fA-F]{64}$/, "the application's public key: 64 hex digits (Developer Portal → General Information)")).meta({ description: "The application's public key: interactions arrive over HTTP at POST /discord/interactions (the Interactions Endpoint URL), so any process behind the load balancer answers them and the gateway carries none." }),

  DISCOURSE_URL: optional(url(["http:", "https:"], "https://forum.example.com")).meta({ description: "The forum's address: with DISCOURSE_API_KEY, the pack's forum badges (discourseBadgeId) are granted and revoked there." }),
  DISCOURSE_API_KEY: optional(z.string().min(1)).meta({ secret: true, description: "An admin API key of the forum (Admin → API → New key)." }),
  DISCOURSE_API_USERNAME: z.string().default("system").meta({ description: "The forum user the API key acts as." }),
  DISCOURSE_WEBHOOK_SECRET: optional(z.string().min(12, "at least 12 characters")).meta({ secret: true, description: "The secret of the forum's webhook (Admin → API → Webhooks, payload URL https://<steward>/webhooks/discourse, content type application/json, events: posts, and Solved if the plugin runs). Unset: the route answers 404." }),
  PARTNER_WEBHOOK_SECRET: optional(
    z
      .string()
      .min(12, "at least 12 characters")
      .refine(standardSecret, "whsec_ followed by the secret in base64, as the dashboard shows it (or the raw secret without whsec_)"),
  ).meta({ group: "Partner dashboard", secret: true, description: "The signing secret of the partner dashboard's webhook to https://<steward>/webhooks/partner (Standard Webhooks): whsec_<base64> as the standard writes it, or the raw secret. Unset: the route answers 404." }),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) {
    const c = result.data;
    if (c.SLACK_BOT_TOKEN && !c.SLACK_SIGNING_SECRET && !c.SLACK_APP_TOKEN)
      throw new ConfigError("SLACK_BOT_TOKEN is set, so Slack needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode) too.");
    if (c.STEWARD_PUBLIC_URL && !c.STEWARD_SECRET)
      throw new ConfigError("STEWARD_PUBLIC_URL is set, so the dashboard needs STEWARD_SECRET too: a random string of at least 32 bytes (openssl rand -hex 32).");
    if (c.STEWARD_SECRET !== undefined && Buffer.byteLength(c.STEWARD_SECRET) < 32)
      throw new ConfigError(`STEWARD_SECRET is ${Buffer.byteLength(c.STEWARD_SECRET)} bytes long; it must be at least 32 bytes (openssl rand -hex 32).`);
    if (c.DISCORD_CLIENT_SECRET && (!c.DISCORD_APPLICATION_ID || !c.STEWARD_PUBLIC_URL))
      throw new ConfigError("DISCORD_CLIENT_SECRET is set, so Linked Roles needs DISCORD_APPLICATION_ID (the OAuth2 client id) and STEWARD_PUBLIC_URL (its redirect URI is ${STEWARD_PUBLIC_URL}/discord/oauth-callback) too.");
    if (c.DISCORD_TOKEN && !c.DISCORD_APPLICATION_ID)
      throw new ConfigError("DISCORD_TOKEN is set, so Discord needs DISCORD_APPLICATION_ID too.");
    if (c.DISCOURSE_API_KEY && !c.DISCOURSE_URL) throw new ConfigError("DISCOURSE_API_KEY is set, so the forum needs DISCOURSE_URL too.");
    return c;
  }
  const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: expected ${i.message}`);
  throw new ConfigError(`Steward cannot start; fix these environment variables (see .env.example):\n${lines.join("\n")}`);
}

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
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

export const configSchema = z.object({
  STEWARD_DATA_DIR: z.string().default("./data"),
  DATABASE_URL: optional(url(["postgres:", "postgresql:"], "postgresql://user@127.0.0.1:5432/steward")),
  REDIS_URL: optional(url(["redis:", "rediss:"], "redis://127.0.0.1:6379")),
  STEWARD_PROGRAMS: optional(z.string()),
  STEWARD_TIMEZONE: timezone.default("UTC"),
  STEWARD_MODERATORS: list,
  STEWARD_HTTP_PORT: optional(port),
  /** Where people reach Steward (the dashboard's links); setting it turns the dashboard on. */
  STEWARD_PUBLIC_URL: optional(url(["http:", "https:"], "https://steward.example.org")),
  /** Signs dashboard links and sessions; at least 32 bytes. */
  STEWARD_SECRET: optional(z.string()),
  /** When set, /metrics answers only requests with `Authorization: Bearer <token>`. */
  STEWARD_METRICS_TOKEN: optional(z.string().min(16, "at least 16 characters (openssl rand -hex 16)")),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  SLACK_BOT_TOKEN: optional(z.string().startsWith("xoxb-", "a bot token starting with xoxb-")),
  SLACK_SIGNING_SECRET: optional(z.string().min(1)),
  SLACK_APP_TOKEN: optional(z.string().startsWith("xapp-", "an app-level token starting with xapp-")),
  SLACK_API_URL: optional(url(["http:", "https:"], "https://slack.com/api/")),
  SLACK_PORT: port.default(3001),
  SLACK_MODERATOR_GROUP: optional(z.string()),
  SLACK_MODERATOR_IDS: list,
  /** Logical channel names to Slack channel ids: announcements=C123,moderators=C456. */
  SLACK_CHANNELS: z
    .string()
    .default("")
    .refine((s) => s.split(",").every((p) => !p.trim() || /^[\w-]+=[A-Z0-9]+$/.test(p.trim())), "name=CHANNELID pairs such as announcements=C123,moderators=C456")
    .transform((s) => Object.fromEntries(s.split(",").map((p) => p.trim()).filter(Boolean).map((p) => p.split("=") as [string, string]))),

  DISCORD_TOKEN: optional(z.string().min(1)),
  DISCORD_APPLICATION_ID: optional(z.string().regex(/^\d+$/, "a numeric application id")),
  DISCORD_GUILD_ID: optional(z.string().regex(/^\d+$/, "a numeric guild (server) id")),
  DISCORD_API_URL: optional(url(["http:", "https:"], "https://discord.com/api")),
  DISCORD_MODERATOR_ROLE: optional(z.string()),
  /** The application's OAuth2 client secret: turns Linked Roles on (/discord/linked-role). */
  DISCORD_CLIENT_SECRET: optional(z.string().min(1)),
  /** Logical channel names to Discord channel ids: announcements=123,moderators=456 (else looked up by name in the guild). */
  DISCORD_CHANNELS: z
    .string()
    .default("")
    .refine((s) => s.split(",").every((p) => !p.trim() || /^[\w-]+=\d+$/.test(p.trim())), "name=channel id pairs such as announcements=123,moderators=456")
    .transform((s) => Object.fromEntries(s.split(",").map((p) => p.trim()).filter(Boolean).map((p) => p.split("=") as [string, string]))),
  /** Where a DM goes, as a mention, when the member's DMs are closed. */
  DISCORD_DM_FALLBACK_CHANNEL: z.string().default("community"),

  /** The Discourse forum: its address and an admin API key grant and revoke forum badges. */
  DISCOURSE_URL: optional(url(["http:", "https:"], "https://forum.example.com")),
  DISCOURSE_API_KEY: optional(z.string().min(1)),
  DISCOURSE_API_USERNAME: z.string().default("system"),
  /** The secret set on the forum's webhook (Admin → API → Webhooks); POST /webhooks/discourse is refused without it. */
  DISCOURSE_WEBHOOK_SECRET: optional(z.string().min(12, "at least 12 characters")),
  /** The partner dashboard's signing secret (whsec_<base64> as Standard Webhooks gives it, or the raw secret). */
  PARTNER_WEBHOOK_SECRET: optional(
    z
      .string()
      .min(12, "at least 12 characters")
      .refine(standardSecret, "whsec_ followed by the secret in base64, as the dashboard shows it (or the raw secret without whsec_)"),
  ),
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

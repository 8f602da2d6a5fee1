// `steward backfill [--since YYYY-MM-DD | --weeks N] [--platform slack|discord|forum] [--dry-run] [--slow]`:
// the mapped community channels' history counted as the live events would
// have counted it (services/backfill.ts). Progress and an estimate go to
// stderr; the summary per program and week to stdout. Ctrl-C stops after the
// page being read; the next run resumes there. Without the platform settings
// it needs, it says which, and changes nothing.
import { parseArgs } from "node:util";
import { DateTime } from "luxon";
import type { Config } from "../config.ts";
import { createRuntime } from "../runtime.ts";
import type { App } from "../app.ts";
import { parseDay } from "../domain/periods.ts";
import type { HistorySource, BackfillProgress } from "../services/backfill.ts";

export const BACKFILL_USAGE = `steward backfill [--since YYYY-MM-DD | --weeks N] [--platform slack|discord|forum] [--dry-run] [--slow]
  counts the community channels' past messages as the live events would have (default --weeks 8);
  --dry-run checks the settings and reads the history without counting; --slow paces Slack at 1 request a minute
  (a commercially distributed app outside the Slack Marketplace); Ctrl-C stops, and the next run resumes there`;

const PLATFORMS = ["slack", "discord", "forum"] as const;
type HistoryPlatform = (typeof PLATFORMS)[number];

interface Args {
  since?: string | undefined;
  weeks?: string | undefined;
  platform?: string | undefined;
  dryRun: boolean;
  slow: boolean;
}

function readArgs(argv: string[]): Args | string {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { since: { type: "string" }, weeks: { type: "string" }, platform: { type: "string" }, "dry-run": { type: "boolean" }, slow: { type: "boolean" }, help: { type: "boolean" } },
    });
    if (values.help) return "help";
    if (positionals.length) return `unexpected ${positionals.join(" ")}`;
    if (values.since && values.weeks) return "give --since or --weeks, not both";
    if (values.weeks && (!/^\d{1,3}$/.test(values.weeks) || Number(values.weeks) < 1 || Number(values.weeks) > 520)) return `--weeks ${values.weeks} is not a number of weeks (1 to 520)`;
    if (values.platform && !(PLATFORMS as readonly string[]).includes(values.platform)) return `--platform ${values.platform} is not one of ${PLATFORMS.join(", ")}`;
    return { since: values.since, weeks: values.weeks, platform: values.platform, dryRun: values["dry-run"] ?? false, slow: values.slow ?? false };
  } catch (err) {
    return (err as Error).message;
  }
}

/** What is missing for a platform's history, in the operator's words; empty when it can be read. */
export function backfillNeeds(config: Config, app: Pick<App, "pack">, platform: HistoryPlatform): string[] {
  const names = [...new Set(app.pack.programs.flatMap((p) => p.communityChannels))];
  const needs: string[] = [];
  if (platform === "slack") {
    if (!config.SLACK_BOT_TOKEN) needs.push("SLACK_BOT_TOKEN: the app's bot token (xoxb-…), with the scopes channels:history and groups:history (in slack/manifest), the app invited to each channel");
    const unmapped = names.filter((n) => !config.SLACK_CHANNELS[n.replace(/^#/, "")] && !/^[CG][A-Z0-9]{6,}$/.test(n));
    if (unmapped.length) needs.push(`SLACK_CHANNELS: the Slack channel id of ${unmapped.map((n) => `#${n}`).join(", ")}, as ${unmapped.map((n) => `${n}=C…`).join(",")}`);
  } else if (platform === "forum") {
    if (!config.DISCOURSE_URL) needs.push("DISCOURSE_URL: the forum's address (https://forum.example.com)");
    if (!config.DISCOURSE_API_KEY) needs.push("DISCOURSE_API_KEY (and DISCOURSE_API_USERNAME): an API key that can read users' activity; members' forum usernames come from steward import members (forum_user) or /link forum:<username>");
  } else {
    if (!config.DISCORD_TOKEN) needs.push("DISCORD_TOKEN: the bot's token, with the View Channel and Read Message History permissions in each channel");
    const unmapped = names.filter((n) => !config.DISCORD_CHANNELS[n.replace(/^#/, "")]);
    if (unmapped.length && !config.DISCORD_GUILD_ID)
      needs.push(`DISCORD_CHANNELS: the Discord channel id of ${unmapped.map((n) => `#${n}`).join(", ")}, as ${unmapped.map((n) => `${n}=123…`).join(",")} (or DISCORD_GUILD_ID to find them by name)`);
  }
  return needs;
}

const configured = (config: Config, p: HistoryPlatform) =>
  p === "slack" ? Boolean(config.SLACK_BOT_TOKEN) : p === "discord" ? Boolean(config.DISCORD_TOKEN) : Boolean(config.DISCOURSE_URL && config.DISCOURSE_API_KEY);
const LABEL = { slack: "Slack", discord: "Discord", forum: "The forum (Discourse)" } as const;

function duration(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export async function backfillCli(config: Config, argv: string[]): Promise<number> {
  const args = readArgs(argv);
  if (args === "help") {
    process.stdout.write(`Usage: ${BACKFILL_USAGE}\n`);
    return 0;
  }
  if (typeof args === "string") {
    process.stderr.write(`steward backfill: ${args}.\nUsage: ${BACKFILL_USAGE}\n`);
    return 1;
  }
  let sinceDay: DateTime | undefined;
  if (args.since) {
    sinceDay = parseDay(args.since, config.STEWARD_TIMEZONE);
    if (!sinceDay || sinceDay.toMillis() > Date.now()) {
      process.stderr.write(`steward backfill: --since ${args.since} is not a past day written YYYY-MM-DD.\n`);
      return 1;
    }
  }
  const { loadPack } = await import("../programs/load.ts");
  const pack = loadPack(config.STEWARD_PROGRAMS);
  // Asked for by name, a platform must be set up; otherwise every platform that is set up is read.
  const wanted: HistoryPlatform[] = args.platform ? [args.platform as HistoryPlatform] : PLATFORMS.filter((p) => configured(config, p));
  const needs = (wanted.length ? wanted : [...PLATFORMS]).map((p) => ({ p, needs: backfillNeeds(config, { pack }, p) }));
  if (!wanted.length || needs.some((n) => n.needs.length)) {
    const lines = needs.filter((n) => n.needs.length).map((n) => `${LABEL[n.p]} needs:\n${n.needs.map((x) => `  - ${x}`).join("\n")}`);
    const which = wanted.length ? "" : " (no platform is configured: set up Slack, Discord or the forum, one or more)";
    process.stdout.write(`steward backfill cannot read history yet${which}.\n${lines.join("\n")}\nSet these in the environment (see .env.example) and run it again; nothing was changed.\n`);
    return 1;
  }
  const runtime = await createRuntime(config);
  try {
    const { app } = runtime;
    const { backfill, Pacer, realClock, sinceWeeks } = await import("../services/backfill.ts");
    const since = sinceDay ? sinceDay.toJSDate() : sinceWeeks(app, Number(args.weeks ?? 8));
    const sources: HistorySource[] = [];
    const notes: string[] = [];
    const onLimited = (platform: string) => (ms: number) => process.stderr.write(`${platform} asked to wait ${duration(ms)} (rate limit); waiting.\n`);
    if (wanted.includes("slack")) {
      const { slackCommunityChannels, slackHistorySources, slowDownOnLongWaits } = await import("../adapters/slack/history.ts");
      const slow = slowDownOnLongWaits(() => pacer);
      const pacer: InstanceType<typeof Pacer> = new Pacer(realClock, 0, (ms) => (onLimited("Slack")(ms), slow(ms)));
      const { mapped } = slackCommunityChannels(app);
      sources.push(...slackHistorySources({ token: config.SLACK_BOT_TOKEN as string, apiUrl: config.SLACK_API_URL ?? "https://slack.com/api/", channels: mapped, since, pacer, slow: args.slow }));
      if (args.slow) notes.push("Slack: 1 request a minute, 15 messages each (about 900 messages an hour).");
    }
    if (wanted.includes("discord")) {
      const { discordCommunityChannels, discordHistorySources } = await import("../adapters/discord/history.ts");
      const pacer = new Pacer(realClock, 0, onLimited("Discord"));
      const { mapped, missing } = await discordCommunityChannels(app, pacer);
      if (missing.length) notes.push(`Discord: no channel named ${missing.map((n) => `#${n}`).join(", ")} in the server; set DISCORD_CHANNELS to read it.`);
      sources.push(...discordHistorySources({ token: config.DISCORD_TOKEN as string, apiUrl: config.DISCORD_API_URL ?? "https://discord.com/api", channels: mapped, since, pacer }));
    }
    if (wanted.includes("forum")) {
      const { forumHistorySources, linkedForumUsers } = await import("../adapters/forum/history.ts");
      // Discourse allows an API key 60 requests a minute.
      const pacer = new Pacer(realClock, 1_000, onLimited("The forum"));
      const usernames = await linkedForumUsers(app);
      if (!usernames.length) notes.push("Forum: no member has a forum username linked yet (forum_user in steward import members, or /link forum:<username>).");
      sources.push(
        ...forumHistorySources({ url: config.DISCOURSE_URL as string, apiKey: config.DISCOURSE_API_KEY as string, apiUsername: config.DISCOURSE_API_USERNAME, usernames, since, pacer }),
      );
    }
    const from = DateTime.fromJSDate(since, { zone: config.STEWARD_TIMEZONE }).toISODate();
    process.stdout.write(`${args.dryRun ? "Dry run: reading" : "Reading"} ${sources.map((s) => s.label).join(", ")} from ${from}.\n${notes.join("\n")}${notes.length ? "\n" : ""}`);
    let stopping = false;
    const onInt = () => {
      stopping = true;
      process.stderr.write("Stopping after this page; run steward backfill again to resume.\n");
    };
    process.once("SIGINT", onInt);
    const progress = (p: BackfillProgress) =>
      process.stderr.write(
        `${p.source.label}: page ${p.pages}, ${p.messages} message(s)${args.dryRun ? "" : `, ${p.counted} counted`}, ${Math.round(p.covered * 100)}% of the period${p.etaMs !== undefined && p.covered < 1 ? `, about ${duration(p.etaMs)} left` : ""}\n`,
      );
    const result = await backfill(app, sources, { since, dryRun: args.dryRun, onProgress: progress, stop: () => stopping });
    process.off("SIGINT", onInt);
    for (const s of result.sources)
      process.stdout.write(`${s.label}: ${s.status}, ${s.messages} message(s) read${args.dryRun ? "" : `, ${s.counted} counted`}${s.error ? ` (${s.error})` : ""}\n`);
    if (!args.dryRun) {
      const weeks = [...new Set([...result.perProgramWeek.values()].flatMap((w) => [...w.keys()]))].sort();
      if (weeks.length) {
        process.stdout.write(`Counted this run, per program and week:\n${["program", ...weeks].join("\t")}\n`);
        for (const [program, w] of result.perProgramWeek) process.stdout.write(`${[program, ...weeks.map((k) => String(w.get(k) ?? 0))].join("\t")}\n`);
      } else process.stdout.write("Nothing new was counted (already counted, or no member wrote in the period).\n");
    } else process.stdout.write("Dry run: nothing was counted or changed.\n");
    if (result.interrupted) process.stdout.write("Interrupted: run steward backfill again with the same options to resume where it stopped.\n");
    return result.interrupted ? 1 : 0;
  } finally {
    await runtime.close();
  }
}

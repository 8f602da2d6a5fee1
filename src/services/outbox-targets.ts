// Where an outbox row goes, fixed when it is written: from the recipient's
// platform accounts, the channel maps and the forum settings, plus the
// terminal whose command wrote it. Several processes share one database (a
// `steward serve` with Slack and the forum, any number of `steward run`): each
// delivers only the targets it runs, and a row is done when every one of its
// targets has it. So a terminal prints its own command's rows and never takes
// a Slack, Discord or forum row; those wait for a process that runs them.
//
// The routing travels with the store (set once by the entry point):
// every transaction of the process writes rows the same way, and no service
// has to pass it along. A store without it writes rows with no targets fixed
// (NULL), which the first process to claim them delivers through every target
// it runs: the rule for rows written before targets were fixed.
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import type { Config } from "../config.ts";
import { mappedChannelId } from "../core/channels.ts";
import type { Pack } from "../domain/pack.ts";
import type { Db, Tx } from "../store/client.ts";
import { closeTerminal, unprinted } from "../store/outbox.ts";
import type { OutboxMessage } from "./outbox-message.ts";

/** The target that prints rows in the terminal that wrote them. */
export const TERMINAL = "console";

export interface OutboxRouting {
  config: Pick<Config, "SLACK_CHANNELS" | "DISCORD_CHANNELS" | "DISCORD_TOKEN">;
  pack: Pick<Pack, "badges" | "partner">;
  /** Set in a terminal process (`steward run`, the terminal chat): the rows it writes are printed there too, and only there. */
  origin?: string;
}

const ROUTING = Symbol.for("steward.outboxRouting");
/** The origin of every terminal on an embedded data folder. */
const EMBEDDED = "embedded";

type Carrier = { [ROUTING]?: OutboxRouting };

/**
 * From now on the app's transactions fix each row's targets as they write it (the entry points call it:
 * `steward serve`, `steward run`, the terminal chat, `steward import`). `terminal`: this process prints
 * the rows it writes from now on, as well as sending them to their platforms, and prints no other
 * process's rows.
 */
export function fixTargets(app: Pick<App, "db" | "config" | "pack">, options: { terminal?: boolean } = {}): void {
  // An embedded data folder has one process at a time (a lock): its terminals are one terminal over
  // time, so a reminder due after a chat ended, or a row a crashed `steward run` left, prints at the next start.
  const origin = app.config.DATABASE_URL ? randomUUID() : EMBEDDED;
  const routing: OutboxRouting = { config: app.config, pack: app.pack, ...(options.terminal ? { origin } : {}) };
  (app.db as unknown as Carrier)[ROUTING] = routing;
}

/** Rows written from now on get no fixed targets (the rule for rows written before targets were fixed); tests lend one client to many runtimes. */
export function unfixTargets(app: Pick<App, "db">): void {
  delete (app.db as unknown as Carrier)[ROUTING];
}

/**
 * The terminal ends (its process exits): on a shared database no later terminal is this one, so the rows it
 * wrote and has not printed stop waiting for it. An embedded data folder's next terminal prints them instead.
 */
export async function endTerminal(app: Pick<App, "db" | "sql" | "now">): Promise<void> {
  const origin = routingOf(app.db)?.origin;
  if (origin && origin !== EMBEDDED) await closeTerminal(app, origin, app.now());
}

/** How many of this terminal's due rows it has yet to print. */
export async function unprintedRows(app: Pick<App, "db" | "sql" | "now">): Promise<number> {
  const origin = routingOf(app.db)?.origin;
  return origin ? unprinted(app, origin, app.now()) : 0;
}

/** The routing a transaction writes with (a transaction reads its client's properties). */
export function routingOf(db: Db | Tx): OutboxRouting | undefined {
  return (db as unknown as Carrier)[ROUTING];
}

/** The platforms a row goes to, from the recipient's accounts (`platforms`), the channel maps and the pack's badge and tier settings. */
export function platformTargets(message: OutboxMessage, platforms: ReadonlySet<string>, routing: OutboxRouting): string[] {
  const has = (p: string) => platforms.has(p);
  const out: string[] = [];
  switch (message.kind) {
    case "post": {
      // A Slack channel must be mapped (or named by its id); Discord finds a channel by its name too.
      if (mappedChannelId(routing.config.SLACK_CHANNELS, message.channel) || /^[CG][A-Z0-9]{6,}$/.test(message.channel)) out.push("slack");
      if (routing.config.DISCORD_TOKEN || mappedChannelId(routing.config.DISCORD_CHANNELS, message.channel) || /^\d{15,21}$/.test(message.channel)) out.push("discord");
      break;
    }
    case "dm":
      if (has("slack")) out.push("slack");
      if (has("discord")) out.push("discord");
      break;
    case "badge-grant":
    case "badge-revoke": {
      const badge = routing.pack.badges.find((b) => b.id === message.badge);
      if (!badge) break;
      if (has("slack") && badge.slackUserGroup) out.push("slack");
      if (has("discord") && badge.discordRole && badge.shownIn === "chat") out.push("discord");
      if (has("forum") && badge.discourseBadgeId) out.push("forum");
      break;
    }
    case "tier-role":
      if (has("discord") && routing.pack.partner.tiers.some((t) => t.discordRole)) out.push("discord");
      break;
    case "home-refresh":
      if (has("slack")) out.push("slack");
      break;
    case "role-connection":
      // Discord's Linked Roles, pushed by the process that runs Discord.
      if (has("discord")) out.push("discord");
      break;
  }
  return out;
}

/** Each message's targets, in order; the recipients' accounts are read in the writing transaction (an account linked in it counts). */
export async function targetsFor(tx: Tx, routing: OutboxRouting, messages: OutboxMessage[]): Promise<string[][]> {
  const memberIds = [...new Set(messages.flatMap((m) => ("memberId" in m ? [m.memberId] : [])))];
  const identities = memberIds.length ? await tx.identity.findMany({ where: { memberId: { in: memberIds } }, select: { memberId: true, platform: true } }) : [];
  const platforms = new Map<string, Set<string>>();
  for (const i of identities) (platforms.get(i.memberId) ?? platforms.set(i.memberId, new Set()).get(i.memberId))?.add(i.platform);
  return messages.map((m) => {
    const targets = platformTargets(m, platforms.get("memberId" in m ? m.memberId : "") ?? new Set(), routing);
    return routing.origin ? [TERMINAL, ...targets] : targets;
  });
}

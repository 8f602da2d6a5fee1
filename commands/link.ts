import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/command/options.ts";
import { command, sub } from "../src/command/types.ts";
import { issueLinkCode, redeemLinkCode } from "../src/services/merge.ts";
import { link, pendingLinks, unlink, type LinkedPlatform, type LinkOutcome } from "../src/services/links.ts";

const LINK_USAGE = "Usage: /link (a code for your other platform), /link code:<code>, /link forum:<username> [member] or /link dashboard:<id> [member]";

function linkedText(r: LinkOutcome): string {
  const what = r.platform === "forum" ? `forum user ${r.externalId}` : `dashboard id ${r.externalId}`;
  if (r.state === "requested") return `Asked the moderators to link you to ${what}; you will be credited once one of them confirms it.`;
  const applied = r.credited.filter((c) => c.status === "applied").length;
  const expired = r.credited.filter((c) => c.status === "expired").length;
  const notes = [
    applied ? `${applied} held ${r.platform === "forum" ? "forum event(s)" : "dashboard event(s)"} applied` : "",
    expired ? `${expired} too old to count (over the backdating limit)` : "",
    r.credited.length - applied - expired > 0 ? `${r.credited.length - applied - expired} not counted (see /link pending)` : "",
  ].filter(Boolean);
  return `@${r.member.handle} is linked to ${what}.${notes.length ? ` ${notes.join("; ")}.` : ""}`;
}

export const linkCommand = command({
  name: "link",
  description: "Join your Slack and Discord accounts into one member; link your forum username or partner dashboard id",
  subcommands: [
    sub({
      name: "",
      description: "A code to join your other platform's account (or enter one with code:); link your forum or dashboard account",
      access: "anyone",
      options: {
        code: opt.optionalString("The code /link gave your other account"),
        forum: opt.optionalString("Your forum (Discourse) username"),
        dashboard: opt.optionalString("Your partner dashboard id"),
        member: opt.optionalMember("Whose account (moderators only)", { positional: true }),
      },
      handler: async ({ code, forum, dashboard, member }, { app, actor }) => {
        if (code !== undefined) {
          if (forum || dashboard || member) throw new UserError("Enter a code on its own.", LINK_USAGE, "link.usage");
          const r = await redeemLinkCode(app, actor, code);
          const joined = r.already ? "These accounts are already one member" : `@${r.mergedHandle} joined @${r.survivor.handle}`;
          return reply(`${joined}: every account of both now counts as @${r.survivor.handle}, with ${r.points} points (the sum of both ledgers). See /tier.`);
        }
        if (!forum && !dashboard) {
          if (member) throw new UserError("A code joins your own accounts only.", LINK_USAGE, "link.usage");
          const { code, expiresAt } = await issueLinkCode(app, actor);
          const text = `Your link code: ${code}. On your other account (Slack or Discord), type /link code:${code} before ${expiresAt.toISOString().slice(11, 16)} UTC (10 minutes). It works once.`;
          return reply(text, [
            { type: "text", text },
            { type: "context", text: "Both accounts become one member: points, sites, activities and badges add up. Share the code with nobody: whoever enters it is joined to you." },
          ]);
        }
        const given = [forum ? (["forum", forum] as const) : undefined, dashboard ? (["dashboard", dashboard] as const) : undefined].filter((x) => x !== undefined);
        const [first] = given;
        if (given.length !== 1 || !first) throw new UserError("Link one account at a time.", LINK_USAGE, "link.usage");
        const [platform, id] = first as readonly [LinkedPlatform, string];
        return reply(linkedText(await link(app, actor, platform, id, member)));
      },
    }),
    sub({
      name: "pending",
      description: "Link requests to confirm, and forum posts and dashboard events waiting for an account to be linked",
      access: "moderator",
      options: {},
      handler: async (_args, { app }) => {
        const p = await pendingLinks(app);
        const day = (d: Date) => d.toISOString().slice(0, 10);
        return reply(`${p.requests.length} link request(s), ${p.held.length} account(s) with held events`, [
          { type: "header", text: "Link requests" },
          { type: "table", columns: ["member", "account", "since", "confirm with"], rows: p.requests.map((r) => [`@${r.handle}`, `${r.platform}:${r.externalId}`, day(r.createdAt), `/link ${r.platform}:${r.externalId} ${r.handle}`]) },
          { type: "header", text: "Held until an account is linked" },
          { type: "table", columns: ["account", "events", "since", "what"], rows: p.held.map((h) => [`${h.source}:${h.subject}`, String(h.count), day(h.first), h.types.join(", ")]) },
          { type: "context", text: "Link an account with /link forum:<username> <member> or /link dashboard:<id> <member>; what it holds is applied then (forum posts within the backdating limit)." },
        ]);
      },
    }),
  ],
});

export const unlinkCommand = command({
  name: "unlink",
  description: "Remove a linked forum or dashboard account",
  subcommands: [
    sub({
      name: "",
      description: "Remove your forum or dashboard link (moderators: anyone's); later events for it are held again",
      access: "anyone",
      options: {
        platform: opt.requiredChoice("Which account", ["forum", "dashboard"], { positional: true }),
        member: opt.optionalMember("Whose (moderators only)", { positional: true }),
      },
      handler: async ({ platform, member }, { app, actor }) => {
        const r = await unlink(app, actor, platform, member);
        return reply(`@${r.member.handle} is no longer linked to ${platform === "forum" ? "forum user" : "dashboard id"} ${r.externalId}.`);
      },
    }),
  ],
});

import { reply } from "../src/chat/reply.ts";
import { UserError } from "../src/core/errors.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import type { Texts } from "../src/domain/pack.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { CODE_TTL_MS, issueLinkCode, redeemLinkCode } from "../src/services/merge.ts";
import { link, linkedAccountLabel, pendingLinks, unlink, type LinkedPlatform, type LinkOutcome } from "../src/services/links.ts";

function linkedText(t: Texts, r: LinkOutcome): string {
  const account = { label: linkedAccountLabel(t, r.platform), id: r.externalId };
  if (r.state === "requested") return fillTemplate(t.linkRequested, account);
  const applied = r.credited.filter((c) => c.status === "applied").length;
  const expired = r.credited.filter((c) => c.status === "expired").length;
  const notCounted = r.credited.length - applied - expired;
  const notes = [
    applied ? fillTemplate(r.platform === "forum" ? t.linkHeldAppliedForum : t.linkHeldAppliedDashboard, { count: applied }) : "",
    expired ? fillTemplate(t.linkHeldExpired, { count: expired }) : "",
    notCounted > 0 ? fillTemplate(t.linkHeldNotCounted, { count: notCounted }) : "",
  ].filter(Boolean);
  const values = { ...account, handle: r.member.handle };
  return notes.length ? fillTemplate(t.linkLinkedWithNotes, { ...values, notes: notes.join("; ") }) : fillTemplate(t.linkLinked, values);
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
        const t = app.pack.texts;
        if (code !== undefined) {
          if (forum || dashboard || member) throw new UserError(t.linkCodeAlone, t.linkUsageAll, "link.usage");
          const r = await redeemLinkCode(app, actor, code);
          const values = { merged: r.mergedHandle, handle: r.survivor.handle, points: r.points };
          return reply(fillTemplate(r.already ? t.linkCodeJoinedAlready : t.linkCodeJoined, values));
        }
        if (!forum && !dashboard) {
          if (member) throw new UserError(t.linkCodeOwnOnly, t.linkUsageAll, "link.usage");
          const { code, expiresAt } = await issueLinkCode(app, actor);
          const text = fillTemplate(t.linkCodeSent, { code, time: expiresAt.toISOString().slice(11, 16), minutes: CODE_TTL_MS / 60_000 });
          return reply(text, [
            { type: "text", text },
            { type: "context", text: t.linkCodeSentNote },
          ]);
        }
        const given = [forum ? (["forum", forum] as const) : undefined, dashboard ? (["dashboard", dashboard] as const) : undefined].filter((x) => x !== undefined);
        const [first] = given;
        if (given.length !== 1 || !first) throw new UserError(t.linkOneAtATime, t.linkUsageAll, "link.usage");
        const [platform, id] = first as readonly [LinkedPlatform, string];
        return reply(linkedText(t, await link(app, actor, platform, id, member)));
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
        const t = app.pack.texts;
        return reply(fillTemplate(t.linkPendingSummary, { requests: p.requests.length, held: p.held.length }), [
          { type: "header", text: t.linkPendingRequests },
          { type: "table", columns: ["member", "account", "since", "confirm with"], rows: p.requests.map((r) => [`@${r.handle}`, `${r.platform}:${r.externalId}`, day(r.createdAt), `/link ${r.platform}:${r.externalId} ${r.handle}`]) },
          { type: "header", text: t.linkPendingHeld },
          { type: "table", columns: ["account", "events", "since", "what"], rows: p.held.map((h) => [`${h.source}:${h.subject}`, String(h.count), day(h.first), h.types.join(", ")]) },
          { type: "context", text: t.linkPendingHint },
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
        const t = app.pack.texts;
        return reply(fillTemplate(t.unlinkDone, { handle: r.member.handle, label: linkedAccountLabel(t, platform), id: r.externalId }));
      },
    }),
  ],
});

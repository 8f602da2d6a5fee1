import { reply } from "../src/chat/reply.ts";
import { opt } from "../src/dispatch/options.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
import { resolveMember } from "../src/services/members.ts";
import { exportMember, forgetMember, type ForgetReport } from "../src/services/privacy.ts";

const changes = (r: ForgetReport) =>
  Object.entries(r.changes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([table, n]) => `${table} ${n}`)
    .join(", ");

export default command({
  name: "member",
  description: "A member's data: export it, or erase it on their request (moderators)",
  subcommands: [
    sub({
      name: "export",
      description: "Everything Steward holds about a member, as a JSON file only you receive",
      access: "moderator",
      visibility: "ephemeral",
      options: { member: opt.member("Whose data", { positional: true }) },
      handler: async ({ member }, { app }) => {
        const data = await exportMember(app, member);
        const handle = (data.member as { handle: string }).handle;
        const filename = `steward-member-${handle}.json`;
        const text = fillTemplate(app.pack.texts.memberExportDone, { handle, filename });
        // A block, not the text alone: the terminal shows a reply's files after its blocks.
        return reply(text, [{ type: "text", text }], {
          files: [{ filename, contentType: "application/json", content: `${JSON.stringify(data, null, 2)}\n` }],
        });
      },
    }),
    sub({
      name: "forget",
      description: "Erase a member's personal data: shows what changes, then asks to confirm (ledger amounts stay)",
      access: "moderator",
      visibility: "ephemeral",
      options: {
        member: opt.member("Whose data", { positional: true }),
        confirm: opt.choice("yes erases; without it only shows what would change", ["no", "yes"] as const),
      },
      handler: async ({ member, confirm }, { app, actor }) => {
        const t = app.pack.texts;
        if (confirm === "yes") {
          const done = await forgetMember(app, actor, member, false);
          return reply(fillTemplate(t.memberForgetDone, { was: done.was, becomes: done.becomes, changes: changes(done) }));
        }
        const who = await resolveMember(app, member);
        const preview = await forgetMember(app, actor, who.handle, true);
        const text = fillTemplate(t.memberForgetPreview, { handle: preview.was, becomes: preview.becomes, changes: changes(preview) });
        return reply(text, [
          { type: "text", text },
          { type: "buttons", buttons: [{ label: `Forget @${preview.was}`, command: "member", action: "forget", value: `${preview.was} confirm:yes`, style: "danger" }] },
        ]);
      },
    }),
  ],
});

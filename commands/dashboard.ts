import { reply } from "../src/chat/reply.ts";
import { command, sub } from "../src/command/types.ts";
import { createSignInLink, LINK_TTL_MS } from "../src/services/dashboard.ts";

export default command({
  name: "dashboard",
  description: "A one-time sign-in link to the moderators' dashboard (moderators)",
  subcommands: [
    sub({
      name: "",
      description: "Get a sign-in link to the dashboard, valid for 10 minutes and one use (only you see it)",
      access: "moderator",
      visibility: "ephemeral",
      options: {},
      handler: async (_args, { app, actor }) => {
        const link = await createSignInLink(app, actor);
        const minutes = LINK_TTL_MS / 60_000;
        return reply(`Your dashboard sign-in link (one use, valid ${minutes} minutes; do not share it):\n${link.url}`, [
          { type: "text", text: "Your dashboard sign-in link — one use, only for you; do not share it:" },
          { type: "text", text: link.url },
          { type: "context", text: `Valid for ${minutes} minutes, until ${link.expiresAt.toISOString().slice(11, 16)} UTC. Run /dashboard again for a new one.` },
        ]);
      },
    }),
  ],
});

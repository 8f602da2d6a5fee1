import { reply } from "../src/chat/reply.ts";
import { command, sub } from "../src/dispatch/types.ts";
import { fillTemplate } from "../src/domain/templates.ts";
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
        const t = app.pack.texts;
        return reply(fillTemplate(t.dashboardSignIn, { minutes, url: link.url }), [
          { type: "text", text: t.dashboardSignInIntro },
          { type: "text", text: link.url },
          { type: "context", text: fillTemplate(t.dashboardSignInValid, { minutes, time: link.expiresAt.toISOString().slice(11, 16) }) },
        ]);
      },
    }),
  ],
});

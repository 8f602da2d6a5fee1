// One snapshot of the Discord renderer per Reply shape, plus Discord's limits
// and the application commands generated from commands/.
import { describe, expect, it } from "vitest";
import { commands } from "../../commands/index.ts";
import { reply, type Button, type Form } from "../../src/chat/reply.ts";
import { buildApplicationCommands, defaultSubName, stewardSubName } from "../../src/adapters/discord/registration.ts";
import { renderModal, renderReply } from "../../src/adapters/discord/render.ts";
import { decodeId, parseButtonId, parseModalId } from "../../src/adapters/discord/ids.ts";
import { loadPack } from "../../src/programs/load.ts";

const pack = loadPack(undefined);

describe("Discord renderer", () => {
  it("text only → content, no embed", () => {
    expect(renderReply(reply("Done."))).toMatchSnapshot();
  });

  it("header + text + context → one embed with title, description and footer", () => {
    expect(renderReply(reply("t", [{ type: "header", text: "Steward" }, { type: "text", text: "Hello" }, { type: "context", text: "a hint" }]))).toMatchSnapshot();
  });

  it("fields → inline embed fields", () => {
    expect(renderReply(reply("t", [{ type: "fields", fields: [{ label: "Points", value: "450" }, { label: "Tier", value: "" }] }]))).toMatchSnapshot();
  });

  it("progress → a bar in the description", () => {
    expect(renderReply(reply("t", [{ type: "progress", label: "Pioneer → Creator", value: 50, max: 600, caption: "450/1000" }]))).toMatchSnapshot();
  });

  it("table → a code block", () => {
    expect(renderReply(reply("t", [{ type: "table", columns: ["member", "points"], rows: [["alice", "450"], ["bob", "1200"]], caption: "Top partners" }]))).toMatchSnapshot();
  });

  it("divider → a second embed", () => {
    expect(renderReply(reply("t", [{ type: "header", text: "One" }, { type: "divider" }, { type: "header", text: "Two" }, { type: "text", text: "second" }]))).toMatchSnapshot();
  });

  it("buttons → rows of at most 5, styles, and a ? prefix for buttons that ask first", () => {
    const form: Form = { title: "Reject application", submit: "/review reject alice velo", fields: [{ key: "reason", label: "Reason", required: true, kind: "long-text" }] };
    const buttons: Button[] = [
      { label: "Approve", command: "review", action: "approve", value: "alice velo", style: "primary" },
      { label: "Reject", command: "review", action: "reject", value: "alice velo", style: "danger", form },
      ...Array.from({ length: 5 }, (_, i): Button => ({ label: `Page ${i + 1}`, command: "leaderboard", action: "", value: `page:${i + 1}` })),
    ];
    const m = renderReply(reply("t", [{ type: "buttons", buttons }]));
    expect(m.components.map((r) => r.components.length)).toEqual([5, 2]);
    expect(m).toMatchSnapshot();
  });

  it("files and public visibility and the error colour", () => {
    const m = renderReply(reply("Report", [{ type: "text", text: "attached" }], { visibility: "public", status: "user-error", files: [{ filename: "r.csv", contentType: "text/csv", content: "a,b\n" }] }));
    expect(m.ephemeral).toBe(false);
    expect(m).toMatchSnapshot();
  });

  it("keeps within Discord's limits: long text, many fields, long tables, long custom ids", () => {
    const long = "x".repeat(5000);
    const m = renderReply(
      reply("t", [
        { type: "header", text: long },
        { type: "fields", fields: Array.from({ length: 30 }, (_, i) => ({ label: `f${i}`, value: long })) },
        { type: "table", columns: ["member", "note"], rows: Array.from({ length: 400 }, (_, i) => [`m${i}`, "y".repeat(30)]) },
        { type: "buttons", buttons: [{ label: long, command: "review", action: "approve", value: long }] },
      ]),
    );
    const e = m.embeds[0];
    expect(e?.title?.length).toBeLessThanOrEqual(256);
    expect(e?.fields).toHaveLength(25);
    expect(e?.fields?.every((f) => f.value.length <= 1024)).toBe(true);
    expect(e?.description?.length).toBeLessThanOrEqual(4096);
    expect(e?.description).toMatch(/```\n[\s\S]*\n```\n…and \d+ more$/);
    const button = m.components[0]?.components[0] as { custom_id: string; label: string };
    expect(button.custom_id.length).toBeLessThanOrEqual(100);
    expect(button.label.length).toBeLessThanOrEqual(80);
    // The long id comes back whole while this process runs.
    expect(parseButtonId(decodeId(button.custom_id) as string)?.words).toEqual(["approve", long]);
  });

  it("a form → a modal of at most 5 inputs, required first, labels cut to 45 with the question kept as placeholder", () => {
    const fields: Form["fields"] = [
      { key: "opt1", label: "Optional one", required: false, kind: "text" },
      { key: "profiles", label: "Your online JS/Velo community profiles (Velo Forum, StackOverflow, …), comma-separated", required: true, kind: "long-text" },
      { key: "site", label: "A site", required: true, kind: "url" },
      { key: "when", label: "When", required: true, kind: "date" },
      { key: "hours", label: "Hours", required: true, kind: "number" },
      { key: "opt2", label: "Optional two", required: false, kind: "text" },
    ];
    const modal = renderModal({ title: "Apply to Velo Masters", submit: "/apply velo-masters", fields });
    expect(modal).toMatchSnapshot();
    expect(parseModalId(modal.custom_id)).toBe("apply velo-masters");
  });

  it("parses button ids back into the command they run", () => {
    expect(parseButtonId("review:approve:alice community-leaders-velo")).toEqual({ command: "review", words: ["approve", "alice", "community-leaders-velo"], hasForm: false });
    expect(parseButtonId("?review:reject:alice velo")).toEqual({ command: "review", words: ["reject", "alice", "velo"], hasForm: true });
    expect(parseButtonId("not a button")).toBeUndefined();
  });
});

describe("Discord application commands", () => {
  const all = buildApplicationCommands(commands, pack);
  const byName = new Map(all.map((c) => [c.name, c]));

  it("registers every command, within Discord's naming and size rules", () => {
    expect(all.map((c) => c.name).sort()).toEqual(commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]).sort());
    for (const c of all) {
      expect(c.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(c.description.length).toBeLessThanOrEqual(100);
      expect(c.options?.length ?? 0).toBeLessThanOrEqual(25);
      for (const o of c.options ?? []) {
        expect(o.name).toMatch(/^[-_a-z0-9]{1,32}$/);
        const nested = "options" in o ? (o.options ?? []) : [];
        // Required options first, as Discord insists.
        const required = nested.map((x) => ("required" in x ? Boolean(x.required) : false));
        expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
      }
    }
  });

  it("types options: a member is a user picker, a pack value autocompletes, fixed choices are choices", () => {
    expect(byName.get("tier")?.options).toEqual([{ name: "member", description: "Whose tier to show (default: yours)", required: false, type: 6 }]);
    const apply = byName.get("apply")?.options ?? [];
    expect(apply[0]).toMatchObject({ name: "program", type: 3, required: true, autocomplete: true });
    expect(apply.map((o) => o.name)).toContain("profiles");
    const adjust = byName.get("adjust")?.options ?? [];
    expect(adjust.map((o) => [o.name, o.type])).toEqual([["member", 6], ["points", 4], ["reason", 3]]);
    const submit = (byName.get("site")?.options ?? []).find((o) => o.name === "submit") as { options: { name: string; choices?: unknown }[] };
    expect(submit.options.find((o) => o.name === "role")?.choices).toEqual([{ name: "owner", value: "owner" }, { name: "collaborator", value: "collaborator" }]);
  });

  it("registers a default action beside named subcommands under a name that maps back to it", () => {
    const review = commands.find((c) => c.name === "review");
    expect(review && defaultSubName(review)).toBe("show");
    expect(review && stewardSubName(review, "show")).toBe("");
    expect(review && stewardSubName(review, "approve")).toBe("approve");
    expect((byName.get("review")?.options ?? []).map((o) => o.name)).toEqual(["show", "approve", "reject"]);
  });
});

// Drill (a): generated hostile command lines through the dispatcher, as a member and as a
// moderator. Every line must get a reply that is not an internal error, and a refused line must
// write nothing (row writes are counted by triggers on every table except the audit log).
import { registry } from "../commands/index.ts";
import { dispatch } from "../src/dispatch/dispatch.ts";
import { parseLine } from "../src/dispatch/parse.ts";
import type { CommandContext, CommandDef } from "../src/dispatch/types.ts";
import { optionsOf } from "../src/dispatch/usage.ts";
import { actorFor } from "../src/services/members.ts";
import { balanceMismatches, drillRuntime, installWriteCounter, pick, type Drill } from "./lib.ts";

/** Values an attacker, a confused member or a flaky client sends. */
const HOSTILE = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfffy",
  "99999999999999999999",
  "2147483648",
  "-2147483649",
  "9007199254740993",
  "1e309",
  "-0",
  "NaN",
  "Infinity",
  "0x10",
  "3.5",
  "-1",
  "0",
  "1",
  "2026-13-01",
  "2027-02-30",
  "2026-02-29",
  "0000-00-00",
  "9999-12-31",
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "@everyone",
  "@here",
  "<@U123>",
  "<#C123|general>",
  "'; DROP TABLE sites; --",
  '"unbalanced',
  "x".repeat(5000),
  "🎉".repeat(400),
  "\u202eevil",
  "https://a..b",
  "https://fuzz{}.example.com",
  "javascript:alert(1)",
  "http://localhost:80/x",
  "https://studio.example.com",
  "https://studio.example.com./about?x=1#y",
  "alice",
  "@alice",
  "nobody",
  "mod",
  "",
  "bogus:1",
  "::",
];

function vocabulary(cmd: CommandDef, pack: Parameters<typeof optionsOf>[1]): string[] {
  const words = new Set<string>();
  for (const sub of cmd.subcommands) {
    if (sub.name) words.add(sub.name);
    for (const [name, option] of Object.entries(optionsOf(sub, pack))) {
      words.add(`${name}:`);
      const choices = typeof option.choices === "function" ? option.choices(pack) : option.choices;
      for (const c of choices ?? []) words.add(c);
    }
  }
  return [...words];
}

function quote(value: string): string {
  return /\s/.test(value) && !value.includes('"') ? `"${value}"` : value;
}

export const hostileDrill: Drill = async ({ rand, size }) => {
  const lines = size === "full" ? 50_000 : 10_000;
  const runtime = await drillRuntime();
  try {
    const { app } = runtime;
    const writes = await installWriteCounter(app.sql);
    const member = await actorFor(app, "console", "drill-member", "drill-member", () => false);
    const moderator = await actorFor(app, "console", "mod", "mod", () => true);
    await actorFor(app, "console", "alice", "alice", () => false);
    const commands = [...new Set(registry.values())];
    const vocab = new Map(commands.map((c) => [c, vocabulary(c, app.pack)]));
    let internal = 0;
    let refused = 0;
    let refusedChanged = 0;
    let ok = 0;
    const problems: string[] = [];
    for (let i = 0; i < lines; i++) {
      const cmd = pick(rand, commands);
      // A command with no options or subcommands (/dashboard) is attacked with hostile words only.
      const known = vocab.get(cmd) ?? [];
      const words = known.length > 0 ? known : HOSTILE;
      const parts: string[] = [rand() < 0.03 ? pick(rand, HOSTILE) || "x" : pick(rand, [cmd.name, ...(cmd.aliases ?? [])])];
      const count = Math.floor(rand() * 6);
      for (let w = 0; w < count; w++) {
        const r = rand();
        const word = r < 0.4 ? pick(rand, words) : r < 0.8 ? quote(pick(rand, HOSTILE)) : `${pick(rand, words).replace(/:$/, "")}:${quote(pick(rand, HOSTILE))}`;
        parts.push(word.endsWith(":") ? `${word}${quote(pick(rand, HOSTILE))}` : word);
      }
      const line = `/${parts.join(" ")}`;
      const actor = rand() < 0.5 ? member : moderator;
      const parsed = parseLine(line);
      if (!parsed) continue;
      const ctx: CommandContext = { app, actor, channel: "general", interactive: false, invocationId: `drill-hostile:${i}` };
      const before = await writes();
      // dispatch answers every failure; a throw would be a hole in that.
      const status = await dispatch(registry, { command: parsed.command, words: parsed.words }, ctx).then(
        (outcome) => (outcome.type === "reply" ? outcome.reply.status : "form"),
        () => "threw",
      );
      if (status === "ok" || status === "form") ok++;
      else if (status === "user-error") {
        refused++;
        if ((await writes()) !== before) {
          refusedChanged++;
          if (problems.length < 5) problems.push(`refused but wrote: ${JSON.stringify(line).slice(0, 160)} (${actor.handle})`);
        }
      } else {
        internal++;
        if (problems.length < 5) problems.push(`${status}: ${JSON.stringify(line).slice(0, 160)} (${actor.handle})`);
      }
    }
    const mismatches = await balanceMismatches(app.sql);
    for (const m of mismatches.slice(0, 3)) problems.push(`balance ${m.balance} ≠ sum of entries ${m.sum} for ${m.member}`);
    return {
      pass: internal === 0 && refusedChanged === 0 && mismatches.length === 0,
      figures: `${lines} lines (${ok} ok, ${refused} refused): ${internal} internal errors, ${refusedChanged} refused lines wrote rows, ${mismatches.length} balance mismatches`,
      problems,
    };
  } finally {
    await runtime.close();
  }
};

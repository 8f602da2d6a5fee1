// The terminal chat's replies at a real terminal's width: /help, /help log,
// /benefits, /commitments and /report rendered at 80 and 110 columns. No line
// is longer than the width, and every word of the 110-column rendering is in
// the 80-column one (tables wrap their cells at spaces: nothing is cut).
// /report writes its CSV under the data folder and names it as `csv: <path>`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { ConsoleSession } from "../../src/adapters/console/session.ts";
import { PIPED_WIDTH, terminalWidth } from "../../src/adapters/console/width.ts";
import { ensureMember } from "../../src/services/members.ts";
import { testRuntime, type TestRuntime } from "../helpers/runtime.ts";

const LINES = ["/help", "/help log", "/benefits", "/commitments", "/report community-leaders-velo"];
const RULE = /^[─═]+$/;

// A narrow table may show a row as `column: value` lines: a header word is the same word with its colon.
const words = (text: string) => new Set(text.split(/\s+/).filter((w) => w && !RULE.test(w)).map((w) => w.replace(/:$/, "")));

describe("the terminal at 80 and 110 columns", () => {
  let runtime: TestRuntime;
  let dir: string;

  beforeAll(async () => {
    runtime = await testRuntime("pglite");
    dir = mkdtempSync(join(tmpdir(), "steward-width-"));
    const m = await ensureMember(runtime.app, "console", "mod", "mod");
    await runtime.app.db.membership.create({ data: { memberId: m.id, programId: "community-leaders-velo", state: "active", joinedAt: new Date("2026-09-07T00:00:00Z") } });
  });
  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const render = async (line: string, width: number) => {
    const session = new ConsoleSession(runtime.app, registry, "mod");
    session.width = width;
    session.files = join(dir, String(width));
    const r = await session.handleLine(line);
    expect(r.status, `${line}: ${r.output}`).toBe("ok");
    return r.output;
  };

  it.each(LINES)("fits %s into 80 and 110 columns without losing a word", async (line) => {
    const wide = await render(line, 110);
    const narrow = await render(line, 80);
    for (const [width, out] of [[110, wide], [80, narrow]] as const) {
      // A written file's `image: <path>` / `csv: <path>` line stays whole so a script can read the path; everything else fits.
      const long = out.split("\n").filter((l) => l.length > width && !/^(image|csv): \//.test(l));
      expect(long, `${line} at ${width}: ${JSON.stringify(long)}`).toEqual([]);
    }
    // Only a word longer than a whole line may be split (after a | or a comma), and then its pieces follow one another.
    const joined = narrow.replace(/\s+/g, "");
    const lost = [...words(wide)].filter((w) => !words(narrow).has(w) && !(w.length > 80 && joined.includes(w)) && !w.startsWith(dir));
    expect(lost, line).toEqual([]);
  });

  it("writes the report's CSV under the data folder and prints its path", async () => {
    const out = await render("/report community-leaders-velo", 110);
    const path = /^csv: (.+)$/m.exec(out)?.[1];
    expect(path, out).toBeDefined();
    expect(path?.startsWith(join(dir, "110"))).toBe(true);
    expect(existsSync(path as string)).toBe(true);
    expect(readFileSync(path as string, "utf8")).toContain("\nmod,mod,");
    expect(out).not.toContain("── ");
  });

  it("lists the kinds /log takes with their labels, in /help log and when the kind is missing", async () => {
    const session = new ConsoleSession(runtime.app, registry, "mod");
    const help = (await session.handleLine("/help log")).output;
    expect(help).toMatch(/^meetup +Meetup hosted$/m);
    expect(help).toMatch(/^hours +Hours servicing the community$/m);
    expect(help).not.toMatch(/^message /m);
    const missing = await session.handleLine("/log");
    expect(missing.status).toBe("user-error");
    expect(missing.output).toContain("kind is missing: What you did (one of: meetup: Meetup hosted, talk: Talk at a conference or event,");
  });

  it("labels /tier's progress as the way through the band, not beside the total", async () => {
    const session = new ConsoleSession(runtime.app, registry, "mod");
    expect((await session.handleLine("/adjust mod +600 seen-test")).status).toBe("ok");
    const out = (await session.handleLine("/tier")).output;
    expect(out).toContain("Pioneer → Creator [");
    expect(out).toContain("] 33% 200 of 600 points (from 400 to 1000)");
    // The label names the two tiers; the caption does not say them again.
    expect(out.split("\n").find((l) => l.includes("Pioneer → Creator"))?.match(/Pioneer|Creator/g)).toHaveLength(2);
  });

  it("takes the terminal's columns, and a sensible width when piped", () => {
    expect(terminalWidth({ isTTY: true, columns: 93 }, {})).toBe(93);
    expect(terminalWidth({ isTTY: false }, {})).toBe(PIPED_WIDTH);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: "72" })).toBe(72);
    expect(terminalWidth({ isTTY: false }, { COLUMNS: "nonsense" })).toBe(PIPED_WIDTH);
  });
});

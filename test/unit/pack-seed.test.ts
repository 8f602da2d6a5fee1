// A pack that loads runs (issue 10, findings 1 and 10): every reference it
// makes resolves, every cron is one the scheduler runs, and a community
// channel belongs to one program unless messages are shared on purpose.
import { describe, expect, it } from "vitest";
import { loadPack, PackError, parsePack } from "../../src/programs/load.ts";

const base = loadPack();

function problems(edit: (pack: ReturnType<typeof structuredClone<typeof base>>) => void): string[] {
  const pack = structuredClone(base);
  edit(pack);
  try {
    parsePack(JSON.stringify(pack), "mine.json");
    return [];
  } catch (err) {
    if (err instanceof PackError) return err.problems;
    throw err;
  }
}

const program = (pack: typeof base, id: string) => {
  const p = pack.programs.find((x) => x.id === id);
  if (!p) throw new Error(`no program ${id}`);
  return p;
};

describe("community channels (finding 1)", () => {
  it("gives each program of the seed its own community channel", () => {
    const channels = base.programs.flatMap((p) => p.communityChannels);
    expect(new Set(channels).size).toBe(channels.length);
    expect(program(base, "community-leaders-velo").communityChannels).not.toEqual(program(base, "community-leaders-editorx").communityChannels);
  });

  it("refuses a channel two programs count messages from, with the field path", () => {
    const found = problems((p) => {
      program(p, "community-leaders-editorx").communityChannels = ["#Community"];
    });
    expect(found).toEqual([expect.stringMatching(/^programs\.2\.communityChannels\.0: channel '#Community' is already a community channel of 'community-leaders-velo'/)]);
  });

  it("allows it when the pack shares messages across programs on purpose", () => {
    const found = problems((p) => {
      program(p, "community-leaders-editorx").communityChannels = ["community"];
      const message = p.activityKinds.find((k) => k.id === "message");
      if (message) message.sharedAcrossPrograms = true;
    });
    expect(found).toEqual([]);
  });
});

describe("a pack that loads runs (finding 10)", () => {
  it("accepts crons with lists and steps, as the scheduler runs them", () => {
    expect(
      problems((p) => {
        program(p, "community-leaders-velo").reminderCron = "0 10,14 * * 4";
        program(p, "velo-masters").reminderCron = "*/30 10 * * 4";
      }),
    ).toEqual([]);
  });

  it("refuses a cron the scheduler cannot run, naming the field", () => {
    const found = problems((p) => {
      program(p, "community-leaders-velo").reportCron = "0 25 * * 1";
      program(p, "velo-masters").reminderCron = "every thursday";
    });
    expect(found).toEqual([
      expect.stringMatching(/^programs\.1\.reportCron: not a cron expression the scheduler can run/),
      expect.stringMatching(/^programs\.3\.reminderCron: not a cron expression the scheduler can run \(five fields/),
    ]);
  });

  it("refuses a partner-verification program whose badge the pack does not have", () => {
    const found = problems((p) => {
      delete (program(p, "partner") as { badge?: string }).badge;
      p.badges = p.badges.filter((b) => b.id !== "verified-partner");
    });
    expect(found).toEqual([expect.stringMatching(/^programs\.0\.badge: a partner-verification program grants a badge/)]);
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadPack, PackError, parsePack } from "../../src/programs/load.ts";

describe("the default pack (the seed's programs)", () => {
  const pack = loadPack();
  it("has the partner tiers and two independent Community Leaders programs with the same rules, and Velo Masters", () => {
    expect(pack.partner.tiers.map((t) => [t.name, t.threshold])).toEqual([
      ["Explorer", 0],
      ["Pioneer", 400],
      ["Creator", 1000],
      ["Icon", 2000],
      ["Legend", 5000],
    ]);
    const velo = pack.programs.find((p) => p.id === "community-leaders-velo");
    const editorx = pack.programs.find((p) => p.id === "community-leaders-editorx");
    expect(velo?.commitments).toEqual(editorx?.commitments);
    expect(velo?.badge).toBe("community-leaders");
    expect(pack.programs.find((p) => p.id === "velo-masters")?.badge).toBe("velo-masters");
    expect(pack.badges.find((b) => b.id === "velo-masters")?.shownIn).toBe("forum");
  });
});

describe("an operator's pack", () => {
  const dir = mkdtempSync(join(tmpdir(), "pack-"));
  const base = loadPack();

  it("loads from JSON", () => {
    const file = join(dir, "mine.json");
    writeFileSync(file, JSON.stringify({ ...base, name: "Champions" }));
    expect(loadPack(file).name).toBe("Champions");
  });

  it("is refused with the path of every wrong field", () => {
    const bad = structuredClone(base) as unknown as { partner: { tiers: { threshold: number }[]; benefits: { fromTier: string }[] } };
    (bad.partner.tiers[2] as { threshold: number }).threshold = 10;
    (bad.partner.benefits[0] as { fromTier: string }).fromTier = "platinum";
    let err: unknown;
    try {
      parsePack(JSON.stringify(bad), "bad.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PackError);
    expect((err as PackError).problems).toEqual(
      expect.arrayContaining(["partner.tiers.2.threshold: tiers must be in increasing order of threshold", "partner.benefits.0.fromTier: unknown tier 'platinum'"]),
    );
  });

  it("takes the seed's text for every text it leaves out, and its own for the ones it words", () => {
    const mine = structuredClone(base) as unknown as { texts?: Record<string, string>; partner: { templates: Record<string, unknown> } };
    delete mine.texts;
    delete mine.partner.templates.siteOwnerDm;
    mine.partner.templates.tierUpDm = "Now {tier}!";
    mine.partner.templates.siteRefusals = { lapsed: { message: "{site}: no premium." } };
    delete mine.partner.templates.siteLedgerReasons;
    mine.partner.templates.siteProblems = { owned: { message: "{site} is taken." } };
    const pack = parsePack(JSON.stringify({ ...mine, texts: { pauseNone: "Not away.", logUnknownKind: "No {kind} here." } }), "mine.json");
    expect(pack.partner.templates.siteRefusals.lapsed.message).toBe("{site}: no premium.");
    expect(pack.partner.templates.siteRefusals.duplicate).toEqual(base.partner.templates.siteRefusals.duplicate);
    expect(pack.texts.pauseNone).toBe("Not away.");
    expect(pack.texts.pauseEnded).toBe(base.texts.pauseEnded);
    expect(pack.texts.logUnknownKind).toBe("No {kind} here.");
    expect(pack.texts.logTooOld).toBe(base.texts.logTooOld);
    expect(pack.partner.templates.siteLedgerReasons).toEqual(base.partner.templates.siteLedgerReasons);
    expect(pack.partner.templates.siteProblems.owned).toEqual({ message: "{site} is taken.", hint: base.partner.templates.siteProblems.owned.hint });
    expect(pack.partner.templates.siteProblems.alreadyOwner).toEqual(base.partner.templates.siteProblems.alreadyOwner);
    expect(pack.partner.templates.siteOwnerDm).toBe(base.partner.templates.siteOwnerDm);
    expect(pack.partner.templates.tierUpDm).toBe("Now {tier}!");
  });

  it("refuses a text that is not a string", () => {
    expect(() => parsePack(JSON.stringify({ ...base, texts: { pauseNone: 3 } }), "mine.json")).toThrow(/texts\.pauseNone/);
  });

  it("names a missing file and unparsable YAML", () => {
    expect(() => loadPack(join(dir, "nope.yaml"))).toThrow(/cannot be read: ENOENT/);
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "name: [unclosed");
    expect(() => loadPack(file)).toThrow(/cannot be parsed/);
  });

  it("rejects a program commitment on an unknown activity kind", () => {
    const bad = structuredClone(base);
    bad.programs[1]?.commitments[0]?.kinds.push("telepathy");
    expect(() => parsePack(JSON.stringify(bad), "bad.json")).toThrow(/programs\.1\.commitments\.0\.kinds\.1: unknown activity kind 'telepathy'/);
  });
});

describe("the default pack's labels", () => {
  it("keeps labels that contain commas whole", () => {
    const pack = loadPack();
    expect(pack.activityKinds.find((k) => k.id === "content")?.label).toBe("Video, tutorial or post");
    expect(pack.programs.find((p) => p.id === "community-leaders-velo")?.commitments.find((c) => c.id === "monthly-content")?.label).toBe("Videos, tutorials or posts");
  });
});

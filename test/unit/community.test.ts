// Pure parts of the community services: URL identity for "the same URL counts
// once", and application answers checked against the pack's questions.
import { describe, expect, it } from "vitest";
import { loadPack } from "../../src/programs/load.ts";
import { normalizeLink as normalizeUrl } from "../../src/domain/urls.ts";
import { applicationForm, checkAnswers } from "../../src/services/applications.ts";
import { UserError } from "../../src/core/errors.ts";

const pack = loadPack(undefined);
const program = (id: string) => {
  const p = pack.programs.find((x) => x.id === id);
  if (!p) throw new Error(id);
  return p;
};

describe("normalizeUrl", () => {
  it("treats host case, a trailing slash, the fragment and utm_ tracking as the same link", () => {
    const same = ["https://Meetup.com/e/1", "https://meetup.com/e/1/", "https://meetup.com/e/1#photos", "https://meetup.com/e/1?utm_source=x&utm_medium=y"];
    expect(new Set(same.map(normalizeUrl))).toEqual(new Set(["https://meetup.com/e/1"]));
  });
  it("keeps what tells pages apart: path case and other query parameters", () => {
    expect(normalizeUrl("https://yt.example.com/watch?v=abc")).not.toBe(normalizeUrl("https://yt.example.com/watch?v=abd"));
    expect(normalizeUrl("https://x.example.com/A")).not.toBe(normalizeUrl("https://x.example.com/a"));
  });
});

describe("checkAnswers", () => {
  const leaders = program("community-leaders-velo");
  it("lists every missing required answer at once", () => {
    try {
      checkAnswers(leaders, { experience: "5 years" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain("profiles");
      expect((err as Error).message).toContain("contribution");
      expect((err as Error).message).not.toContain("experience (");
    }
  });
  it("checks links and keeps only the program's questions", () => {
    expect(() => checkAnswers(program("partner"), { "dashboard-id": "P1", site: "client site" })).toThrow(/site must be a link/);
    expect(checkAnswers(program("partner"), { "dashboard-id": " P1 ", site: "https://client.example.com", profiles: "x" })).toEqual({
      "dashboard-id": "P1",
      site: "https://client.example.com",
    });
  });
  it("builds a form with one field per question, required as the pack says", () => {
    const form = applicationForm(program("velo-masters"), pack.texts);
    expect(form.submit).toBe("/apply velo-masters");
    expect(form.fields.map((f) => [f.key, f.required])).toEqual([
      ["profiles", true],
      ["experience", true],
      ["content", false],
    ]);
  });
  it("opens the form with the pack's own words before the terms (issue 21, finding 10)", () => {
    const leaders = program("community-leaders-velo");
    expect(applicationForm(leaders, pack.texts).intro).toBe(`Before you apply: ${leaders.terms}`);
    expect(applicationForm(leaders, { ...pack.texts, applyBeforeYouApply: "Avant de postuler : {terms}" }).intro).toBe(`Avant de postuler : ${leaders.terms}`);
  });
  it("lists the seed's Partners FB group as a perk of verified partners (issue 21, finding 10)", () => {
    const partner = program("partner");
    expect(partner.type).toBe("partner-verification");
    expect(partner.perks.map((p) => p.name)).toContain("Eligible to join Partners FB group where you can interact with other Partners and Wix Product Managers");
  });
});

describe("web addresses", () => {
  // Which addresses are one site is test/unit/sites.test.ts.
  it("are http(s) links to a dotted host", async () => {
    const { isWebUrl } = await import("../../src/domain/urls.ts");
    expect(isWebUrl("studio")).toBe(false);
    expect(isWebUrl("ftp://files.example.com")).toBe(false);
    expect(isWebUrl("https://localhost")).toBe(false);
  });
});

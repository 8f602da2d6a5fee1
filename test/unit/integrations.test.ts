// Pure rules of the forum and partner dashboard connections.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { validDiscourseSignature } from "../../src/adapters/forum/webhook.ts";
import { canonicalPartnerEvent, checkPartnerEvent, parseEventDate } from "../../src/domain/partner-dashboard.ts";
import { forumPostOf, programsCountingCategory } from "../../src/domain/forum.ts";
import { loadPack } from "../../src/programs/load.ts";

const pack = loadPack();

describe("partner dashboard events", () => {
  it("takes real dates only", () => {
    expect(parseEventDate("2026-11-20")?.toISOString()).toBe("2026-11-20T00:00:00.000Z");
    expect(parseEventDate("2026-11-20T10:00:00+02:00")?.toISOString()).toBe("2026-11-20T08:00:00.000Z");
    for (const bad of ["2026-02-30", "2026-13-01", "20261120", "2026-11-20 10:00", "999999-01-01", ""]) expect(parseEventDate(bad)).toBeUndefined();
  });

  it("an event written differently (case, spaces) is the same event", () => {
    const a = checkPartnerEvent(pack, { type: "site.published", data: { partner: "P-1", url: "https://a.example.com", kind: "EditorX", role: "Owner", at: "2026-11-20" } });
    const b = checkPartnerEvent(pack, { type: "site.published", data: { partner: " P-1 ", url: " https://a.example.com ", kind: "editorx", role: "owner", at: "2026-11-20" } });
    if (!("event" in a) || !("event" in b)) throw new Error("both are valid");
    expect(canonicalPartnerEvent(a.event)).toBe(canonicalPartnerEvent(b.event));
  });

  it("names every problem, and refuses NUL, numbers as huge ids and unknown kinds", () => {
    expect(checkPartnerEvent(pack, { type: "site.published", data: { partner: "P-1\u0000", url: "https://a.example.com", kind: "classic" } })).toEqual({ problems: ["partner: contains a NUL character or half of a character (a lone surrogate)"] });
    const r = checkPartnerEvent(pack, { type: "certification.earned", data: { partner: "x".repeat(101), kind: "aws" } });
    expect("problems" in r && r.problems).toEqual([expect.stringContaining("not a dashboard id"), expect.stringContaining("kind must be one of velo")]);
    expect(checkPartnerEvent(pack, "site.published")).toHaveProperty("problems");
    const ping = checkPartnerEvent(pack, { type: "site.premium_expired", data: { partner: "P-1", url: "https://<!channel>" } });
    expect("problems" in ping && ping.problems).toEqual([expect.stringContaining("must be a web address")]);
  });
});

describe("forum posts", () => {
  it("a program listing categories counts only those; one listing none counts all; only the member's programs count", () => {
    const programs = pack.programs.map((p) => (p.id === "velo-masters" ? { ...p, forumCategories: [5] } : p));
    const ids = (c: number, mine: string[]) => programsCountingCategory(programs, new Set(mine), c).map((p) => p.id);
    expect(ids(5, ["velo-masters"])).toEqual(["velo-masters"]);
    expect(ids(6, ["velo-masters"])).toEqual([]);
    expect(ids(6, ["velo-masters", "community-leaders-velo"])).toEqual(["community-leaders-velo"]);
    expect(ids(5, [])).toEqual([]);
  });

  it("reads the post from {post} or, for the Solved plugin's events, {solved}", () => {
    const post = { id: 1, username: "a", topic_id: 2, post_number: 3, created_at: "2026-11-20T10:00:00Z", category_id: 4 };
    expect(forumPostOf("accepted_solution", { solved: post })).toHaveProperty("post");
    expect(forumPostOf("accepted_solution", { post })).toHaveProperty("problem");
    expect(forumPostOf("post_created", { post: { ...post, id: 2 ** 60 } })).toHaveProperty("problem");
    expect(forumPostOf("post_created", { post: { ...post, username: "<!channel>" } })).toHaveProperty("problem");
  });

  it("checks the Discourse signature over the exact bytes", () => {
    const body = Buffer.from('{"post":{}}');
    const sig = `sha256=${createHmac("sha256", "s3cret-s3cret").update(body).digest("hex")}`;
    expect(validDiscourseSignature("s3cret-s3cret", body, sig)).toBe(true);
    expect(validDiscourseSignature("s3cret-s3cret", Buffer.from('{"post":{} }'), sig)).toBe(false);
    expect(validDiscourseSignature("other-secret", body, sig)).toBe(false);
    expect(validDiscourseSignature("s3cret-s3cret", body, sig.slice(0, -2))).toBe(false);
    expect(validDiscourseSignature("s3cret-s3cret", body, "")).toBe(false);
  });
});

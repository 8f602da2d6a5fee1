import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { balanceOf, emptyLedger, post, type Entry } from "../../src/domain/ledger.ts";
import { badgesFor, badgesLost, benefitsFor, benefitsGained, decideTier, demotionCutoff, progress, sitePaysNow, sitePoints, tierFor } from "../../src/domain/partner.ts";
import { loadPack } from "../../src/programs/load.ts";

const pack = loadPack();
const partner = pack.partner;
const tiers = partner.tiers;

describe("site points (the seed's values)", () => {
  it("pays 100 for a classic site, 300/100 for Editor X owner/collaborator", () => {
    expect(sitePoints(partner, "classic", "owner")).toBe(100);
    expect(sitePoints(partner, "classic", "collaborator")).toBe(100);
    expect(sitePoints(partner, "editorx", "owner")).toBe(300);
    expect(sitePoints(partner, "editorx", "collaborator")).toBe(100);
    expect(partner.certifications.velo?.points).toBe(100);
  });
  it("refuses an unknown kind", () => {
    expect(() => sitePoints(partner, "wordpress", "owner")).toThrow(/Unknown site kind/);
  });
});

describe("tiers", () => {
  it.each([
    [0, "explorer"],
    [399, "explorer"],
    [400, "pioneer"],
    [999, "pioneer"],
    [1000, "creator"],
    [1999, "creator"],
    [2000, "icon"],
    [4999, "icon"],
    [5000, "legend"],
    [99999, "legend"],
  ])("%i points is %s", (points, tier) => {
    expect(tierFor(tiers, points).id).toBe(tier);
  });

  it("tier is a monotone function of the balance", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 10000 }), fc.integer({ min: 0, max: 5000 }), (a, d) => {
        const lo = tiers.findIndex((t) => t.id === tierFor(tiers, a).id);
        const hi = tiers.findIndex((t) => t.id === tierFor(tiers, a + d).id);
        expect(hi).toBeGreaterThanOrEqual(lo);
        expect(tierFor(tiers, a).threshold).toBeLessThanOrEqual(Math.max(a, 0));
      }),
    );
  });

  it("shows progress to the next tier", () => {
    const p = progress(tiers, 400);
    expect(p.tier.name).toBe("Pioneer");
    expect(p.next?.name).toBe("Creator");
    expect(p.toNext).toBe(600);
    expect(p.fraction).toBe(0);
    expect(progress(tiers, 700).fraction).toBeCloseTo(0.5);
    expect(progress(tiers, 6000).next).toBeUndefined();
  });
});

describe("benefits are cumulative", () => {
  const names = (tier: string) => benefitsFor(partner, tier).map((b) => b.name);
  it("gives every tier the base benefits", () => {
    for (const t of tiers) expect(names(t.id)).toEqual(expect.arrayContaining(["Team Management & Dashboard", "Partner Resources"]));
  });
  it("unlocks each group at its tier and keeps it above", () => {
    expect(names("explorer")).not.toContain("Priority Support");
    expect(names("pioneer")).toEqual(expect.arrayContaining(["Priority Support", "Product Betas", "Ascend Tools", "Client Billing"]));
    expect(names("pioneer")).not.toContain("Partner Badge");
    expect(names("creator")).toContain("Partner Badge");
    expect(names("icon")).toEqual(expect.arrayContaining(["Marketplace Eligibility", "Dedicated Account Manager", "Custom Branding", "Partner Badge"]));
    expect(names("icon")).not.toContain("Revenue Share");
    expect(names("legend")).toHaveLength(partner.benefits.length);
  });
  it("grants the Partner Badge from Creator up", () => {
    expect(badgesFor(partner, "pioneer")).toEqual([]);
    expect(badgesFor(partner, "creator")).toEqual(["partner-badge"]);
    expect(badgesFor(partner, "legend")).toEqual(["partner-badge"]);
  });
});

describe("what a tier change brings", () => {
  it("names only the benefits the new tier adds", () => {
    expect(benefitsGained(partner, "explorer", "pioneer").map((b) => b.name)).toEqual(["Priority Support", "Product Betas", "Ascend Tools", "Client Billing"]);
    expect(benefitsGained(partner, "pioneer", "icon").map((b) => b.name)).toEqual(["Partner Badge", "Marketplace Eligibility", "Dedicated Account Manager", "Custom Branding"]);
    expect(benefitsGained(partner, "icon", "pioneer")).toEqual([]);
  });
  it("takes the Partner Badge away only below Creator", () => {
    expect(badgesLost(partner, "icon", "creator")).toEqual([]);
    expect(badgesLost(partner, "creator", "pioneer")).toEqual(["partner-badge"]);
  });
  it("pays sites at submission or at verification, as the pack says", () => {
    expect(sitePaysNow(partner, false)).toBe(true);
    expect(sitePaysNow({ ...partner, sitePointsOn: "verify" }, false)).toBe(false);
    expect(sitePaysNow({ ...partner, sitePointsOn: "verify" }, true)).toBe(true);
  });
  it("lets the grace period run out exactly as decideTier does", () => {
    const now = new Date("2026-12-25T12:00:00Z");
    const cutoff = demotionCutoff(partner, now);
    expect(cutoff.toISOString()).toBe("2026-11-25T12:00:00.000Z");
    expect(decideTier(partner, { tier: "pioneer", atRiskSince: cutoff }, 0, now).events[0]?.type).toBe("demoted");
    expect(decideTier(partner, { tier: "pioneer", atRiskSince: new Date(cutoff.getTime() + 1) }, 0, now).events).toEqual([]);
  });
});

describe("tier movement", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  const day = 86_400_000;
  it("promotes at once", () => {
    const d = decideTier(partner, { tier: "explorer", atRiskSince: null }, 1000, now);
    expect(d.state).toEqual({ tier: "creator", atRiskSince: null });
    expect(d.events).toEqual([{ type: "promoted", from: "explorer", to: "creator" }]);
  });
  it("puts the tier at risk first, then demotes after the grace period", () => {
    const risk = decideTier(partner, { tier: "pioneer", atRiskSince: null }, 300, now);
    expect(risk.state).toEqual({ tier: "pioneer", atRiskSince: now });
    expect(risk.events).toEqual([{ type: "at-risk", tier: "pioneer", deadline: new Date(now.getTime() + 30 * day) }]);
    expect(decideTier(partner, risk.state, 300, new Date(now.getTime() + 29 * day)).events).toEqual([]);
    const down = decideTier(partner, risk.state, 300, new Date(now.getTime() + 30 * day));
    expect(down.state).toEqual({ tier: "explorer", atRiskSince: null });
    expect(down.events).toEqual([{ type: "demoted", from: "pioneer", to: "explorer" }]);
  });
  it("recovers when the balance comes back in time", () => {
    const d = decideTier(partner, { tier: "pioneer", atRiskSince: now }, 450, new Date(now.getTime() + 3 * day));
    expect(d.state).toEqual({ tier: "pioneer", atRiskSince: null });
    expect(d.events).toEqual([{ type: "recovered", tier: "pioneer" }]);
  });
  it("demotes at once with a grace of 0", () => {
    const d = decideTier({ ...partner, demotionGraceDays: 0 }, { tier: "icon", atRiskSince: null }, 10, now);
    expect(d.state.tier).toBe("explorer");
    expect(d.events[0]?.type).toBe("demoted");
  });
});

describe("ledger", () => {
  const entries = fc.array(fc.record({ delta: fc.integer({ min: -500, max: 500 }), idempotencyKey: fc.string({ minLength: 1, maxLength: 4 }) }), { maxLength: 60 });

  it("balance is the sum of the entries kept", () => {
    fc.assert(
      fc.property(entries, (es) => {
        const ledger = es.reduce((l, e) => post(l, e), emptyLedger<Entry>());
        const firstByKey = new Map<string, number>();
        for (const e of es) if (!firstByKey.has(e.idempotencyKey)) firstByKey.set(e.idempotencyKey, e.delta);
        expect(balanceOf(ledger.entries)).toBe([...firstByKey.values()].reduce((a, b) => a + b, 0));
      }),
    );
  });

  it("replaying an entry with a key already seen changes nothing", () => {
    fc.assert(
      fc.property(entries, fc.nat(), (es, pick) => {
        fc.pre(es.length > 0);
        const ledger = es.reduce((l, e) => post(l, e), emptyLedger<Entry>());
        const again = post(ledger, { ...(es[pick % es.length] as Entry), delta: 12345 });
        expect(again.entries).toEqual(ledger.entries);
        expect(balanceOf(again.entries)).toBe(balanceOf(ledger.entries));
      }),
    );
  });
});

import { describe, expect, it } from "vitest";
import {
  awaitsVerification,
  claimedUrl,
  CLAIMING_STATES,
  LOST_BY_OTHERS,
  SITE_STATES,
  siteAllows,
  siteLossCause,
  siteStateClaims,
  siteStatePays,
  siteTransition,
  stateAfter,
  statesAllowing,
  VERIFIABLE_STATES,
} from "../../src/domain/sites.ts";

describe("site lifecycle", () => {
  it("a submission starts a site, and starts it again after premium came back, a withdrawal or a transfer away", () => {
    for (const from of [null, "reactivated", "withdrawn", "disowned"]) expect(siteTransition(from, "submit")).toEqual({ ok: true, to: "active" });
  });

  it("refuses a second submission, one of a lapsed site and one after removal, each with its own reason", () => {
    expect(siteTransition("active", "submit")).toEqual({ ok: false, refusal: "duplicate" });
    expect(siteTransition("lapsed", "submit")).toEqual({ ok: false, refusal: "lapsed" });
    expect(siteTransition("removed", "submit")).toEqual({ ok: false, refusal: "removed" });
  });

  it("premium ends for an active site only, and comes back for a lapsed one only, without paying again", () => {
    expect(statesAllowing("lapse")).toEqual(["active"]);
    expect(siteTransition("active", "lapse")).toEqual({ ok: true, to: "lapsed" });
    expect(siteTransition("reactivated", "lapse")).toEqual({ ok: false, refusal: "not-active" });
    expect(statesAllowing("reactivate")).toEqual(["lapsed"]);
    expect(siteTransition("lapsed", "reactivate")).toEqual({ ok: true, to: "reactivated" });
    expect(siteStatePays("reactivated")).toBe(false);
    expect(siteTransition("active", "reactivate")).toEqual({ ok: false, refusal: "not-lapsed" });
  });

  it("a partner withdraws any site on their list but one already withdrawn, or one they never had", () => {
    expect(statesAllowing("withdraw")).toEqual(SITE_STATES.filter((s) => s !== "withdrawn"));
    expect(siteTransition("withdrawn", "withdraw")).toEqual({ ok: false, refusal: "unknown" });
    expect(siteTransition(null, "withdraw")).toEqual({ ok: false, refusal: "unknown" });
  });

  it("a contributor is removed once", () => {
    expect(statesAllowing("remove")).toEqual(SITE_STATES.filter((s) => s !== "removed"));
    expect(siteTransition("removed", "remove")).toEqual({ ok: false, refusal: "not-contributor" });
  });

  it("only an active, unverified site waits for verification", () => {
    expect(awaitsVerification({ state: "active", verifiedAt: null })).toBe(true);
    expect(awaitsVerification({ state: "active", verifiedAt: new Date(0) })).toBe(false);
    expect(awaitsVerification({ state: "lapsed", verifiedAt: null })).toBe(false);
    expect(VERIFIABLE_STATES).toEqual(["active"]);
  });

  it("names the state a lapse or a removal leaves a row in, for the reports that list them", () => {
    expect(stateAfter("lapse")).toBe("lapsed");
    expect(stateAfter("remove")).toBe("removed");
  });

  it("only an active site pays; a lapsed or reactivated one still claims its site, so its owner holds it", () => {
    expect(SITE_STATES.filter(siteStatePays)).toEqual(["active"]);
    expect(SITE_STATES.filter(siteStateClaims)).toEqual([...CLAIMING_STATES]);
    expect(CLAIMING_STATES).toEqual(["active", "lapsed", "reactivated"]);
    expect(claimedUrl("https://a.example.com", "owner", "lapsed")).toBe("https://a.example.com");
    expect(claimedUrl("https://a.example.com", "collaborator", "active")).toBeNull();
    expect(claimedUrl("https://a.example.com", "owner", "withdrawn")).toBeNull();
  });

  it("names the cause of a lost tier by the site's state, the entry's own reason for the rest", () => {
    expect(SITE_STATES.map((s) => [s, siteLossCause(s)])).toEqual([
      ["active", null],
      ["lapsed", "lapsed"],
      ["reactivated", null],
      ["removed", "removed"],
      ["withdrawn", "withdrawn"],
      ["disowned", null],
    ]);
    expect(LOST_BY_OTHERS).toEqual(["lapsed", "removed", "disowned"]);
  });

  it("an unknown stored state allows nothing", () => {
    for (const event of ["submit", "withdraw", "verify", "lapse", "reactivate", "remove"] as const) expect(siteAllows("archived", event)).toBe(false);
  });
});

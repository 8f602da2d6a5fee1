// Site identity: which spellings of an address are one site. A partner is paid
// once per site and a site has one owner, so the key decides what can be paid:
// the scheme, `www.`, letter case, a trailing dot, the port, a trailing slash,
// the query and the fragment never make a new site, and neither does the path —
// except on hosts that serve many sites under paths (the pack's
// `pathSiteHosts`, e.g. `*.wixsite.com/<site>`), where the first path segment
// names the site. Internationalised hosts compare in punycode, which the WHATWG
// URL parser produces.

export type SiteIdentity =
  | {
      ok: true;
      /** The host (without `www.`), plus `/<site>` on a path-site host: `studio.example.com`, `alice.wixsite.com/portfolio`. */
      key: string;
      /** The one spelling Steward stores and shows: `https://<key>`. */
      url: string;
    }
  | { ok: false; problem: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Every real top-level domain is letters, or an internationalised one in punycode. */
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;
const PATH_SITE = /^[a-z0-9][a-z0-9_-]{0,99}$/;
const MAX_HOST = 253;

/** `*.wixsite.com` matches any host under wixsite.com (not wixsite.com itself); `editorx.io` only itself. */
export function matchesHostPattern(host: string, pattern: string): boolean {
  return pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
}

/** Why a host cannot be a site's, or null when it is a valid public DNS name. */
export function hostProblem(host: string): string | null {
  if (host.startsWith("[") || /^\d+(\.\d+){3}$/.test(host)) return "is an IP address; submit the site's domain name";
  if (host.length > MAX_HOST) return `is longer than ${MAX_HOST} characters`;
  const labels = host.split(".");
  if (labels.length < 2) return "is not a public domain name (it needs a dot and a top-level domain, like studio.example.com)";
  if (labels.some((l) => l === "")) return "has an empty part between dots";
  const bad = labels.find((l) => !LABEL.test(l));
  if (bad !== undefined)
    return `has an invalid part "${bad}": each part between dots is 1 to 63 letters, digits or hyphens, and does not start or end with a hyphen`;
  const tld = labels.at(-1) as string;
  if (tld === "localhost" || !TLD.test(tld)) return `does not end in a real top-level domain (".${tld}")`;
  return null;
}

/** The site an address names, or what is wrong with it. */
export function siteIdentity(raw: string, pathSiteHosts: readonly string[]): SiteIdentity {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, problem: `${raw.trim()} is not a web address; write it like https://studio.example.com` };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return { ok: false, problem: `${raw.trim()} is not a web address; write it like https://studio.example.com` };
  const withoutDot = u.hostname.endsWith(".") ? u.hostname.slice(0, -1) : u.hostname;
  const problem = hostProblem(withoutDot);
  if (problem) return { ok: false, problem: `The host ${u.hostname} ${problem}.` };
  // `www.com` is a site of its own; `www.example.com` is example.com.
  const host = withoutDot.startsWith("www.") && withoutDot.split(".").length > 2 ? withoutDot.slice(4) : withoutDot;
  let key = host;
  if (pathSiteHosts.some((p) => matchesHostPattern(host, p))) {
    const segment = u.pathname.split("/").find((s) => s !== "");
    const example = `https://${host}/my-site`;
    if (segment === undefined) return { ok: false, problem: `${host} holds many sites: name the site with its path, like ${example}.` };
    let name: string;
    try {
      name = decodeURIComponent(segment).toLowerCase();
    } catch {
      name = segment;
    }
    if (!PATH_SITE.test(name)) return { ok: false, problem: `"${segment}" is not a site name on ${host}: use letters, digits, hyphens or underscores, like ${example}.` };
    key = `${host}/${name}`;
  }
  return { ok: true, key, url: `https://${key}` };
}

// Site lifecycle: the states a partner's site row moves through and what each
// allows. Only an active site pays; a lapsed site stays lapsed until a
// moderator records its premium plan back, and even then it pays only once the
// partner submits it again (so nobody is paid twice for one plan).
//   submitted (active) → lapsed (premium ended) → reactivated (premium back) → active (submitted again)
//   any → removed (no longer a contributor) | withdrawn (by the partner)
//   owner → disowned (a moderator moved the ownership to another partner: transferSite, from any claiming state)

export const SITE_STATES = ["active", "lapsed", "reactivated", "removed", "withdrawn", "disowned"] as const;
export type SiteState = (typeof SITE_STATES)[number];

/** What happens to a site row: the partner submits or withdraws it, a moderator records a change. */
export type SiteEvent = "submit" | "withdraw" | "verify" | "lapse" | "reactivate" | "remove";

/** Why an event does not apply to a state; the pack words each for the person who asked (partner.templates.siteRefusals). */
export const SITE_REFUSALS = ["duplicate", "lapsed", "removed", "unknown", "not-pending", "not-active", "not-lapsed", "not-contributor"] as const;
export type SiteRefusal = (typeof SITE_REFUSALS)[number];

/** States in which a row still claims its site (its premium plan may have lapsed): an owner's such row holds the site. */
export const CLAIMING_STATES: readonly SiteState[] = ["active", "lapsed", "reactivated"];

/** The cause a tier-at-risk message names when a site in this state took the points; others say the entry's own reason. */
export type SiteLossCause = "lapsed" | "removed" | "withdrawn";

/** States in which a partner lost a site's points by what someone else did (its plan lapsed, removal, a transfer). */
export const LOST_BY_OTHERS: readonly SiteState[] = ["lapsed", "removed", "disowned"];

/** Where each event leads from each state; a state an event does not list refuses it with the reason given. */
const TRANSITIONS: Record<SiteEvent, { from: readonly (SiteState | null)[]; to: SiteState; otherwise: SiteRefusal | Partial<Record<SiteState | "none", SiteRefusal>> }> = {
  // A first submission, or one after premium came back, a withdrawal or a transfer away.
  submit: { from: [null, "reactivated", "withdrawn", "disowned"], to: "active", otherwise: { active: "duplicate", lapsed: "lapsed", removed: "removed" } },
  withdraw: { from: ["active", "lapsed", "reactivated", "removed", "disowned"], to: "withdrawn", otherwise: "unknown" },
  verify: { from: ["active"], to: "active", otherwise: "not-pending" },
  lapse: { from: ["active"], to: "lapsed", otherwise: "not-active" },
  reactivate: { from: ["lapsed"], to: "reactivated", otherwise: "not-lapsed" },
  remove: { from: ["active", "lapsed", "reactivated", "withdrawn", "disowned"], to: "removed", otherwise: "not-contributor" },
};

export function isSiteState(state: string): state is SiteState {
  return (SITE_STATES as readonly string[]).includes(state);
}

/** Where an event takes a row in `state` (null: the partner has no row for the site yet), or why it cannot happen. */
export function siteTransition(state: string | null, event: SiteEvent): { ok: true; to: SiteState } | { ok: false; refusal: SiteRefusal } {
  const t = TRANSITIONS[event];
  const from = state !== null && isSiteState(state) ? state : null;
  if ((state === null || from !== null) && t.from.includes(from)) return { ok: true, to: t.to };
  const refusal = typeof t.otherwise === "string" ? t.otherwise : t.otherwise[from ?? "none"];
  return { ok: false, refusal: refusal ?? "unknown" };
}

/** Whether `event` applies to a row in `state`. */
export const siteAllows = (state: string, event: SiteEvent): boolean => siteTransition(state, event).ok;

/** The states `event` applies to, for a query that finds the rows it concerns. */
export const statesAllowing = (event: SiteEvent): SiteState[] => SITE_STATES.filter((s) => siteAllows(s, event));

/** The state an event leaves a row in (lapse: "lapsed", remove: "removed"), for a query that finds the rows it moved. */
export const stateAfter = (event: SiteEvent): SiteState => TRANSITIONS[event].to;

/** Only an active site earns its points; every other state has had them taken back or never paid them. */
export const siteStatePays = (state: string): boolean => state === "active";

/** The states a site may wait for a moderator's verification in (see awaitsVerification), for a query. */
export const VERIFIABLE_STATES: readonly SiteState[] = statesAllowing("verify");

/** Whether a row in this state holds its site (a site has at most one such owner). */
export const siteStateClaims = (state: string): boolean => (CLAIMING_STATES as readonly string[]).includes(state);

/** The address an owner's claiming row holds for the site (unique, so a site has one owner); null for any other row. */
export const claimedUrl = (url: string, role: string, state: string): string | null => (role === "owner" && siteStateClaims(state) ? url : null);

/** Waiting for a moderator's verification: active and not yet verified. */
export const awaitsVerification = (site: { state: string; verifiedAt: Date | null }): boolean => siteAllows(site.state, "verify") && site.verifiedAt === null;

/** Which at-risk message a site's state calls for; any other state (a transferred site) says the entry's own reason. */
export function siteLossCause(state: string): SiteLossCause | null {
  return state === "lapsed" || state === "removed" || state === "withdrawn" ? state : null;
}

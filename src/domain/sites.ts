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

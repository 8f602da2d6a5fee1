// Spellings of one site, for property tests of site identity (test/unit/sites.test.ts) and of the
// migration that keys existing rows the same way in SQL (test/integration/site-identity-migration.test.ts).
import fc from "fast-check";
import { loadPack } from "../../src/programs/load.ts";

const PATH_HOSTS = loadPack().partner.pathSiteHosts;

export const SPELLING_SEED = 20261202;

const letters = "abcdefghijklmnopqrstuvwxyz";
export const label = fc
  .tuple(fc.constantFrom(...letters), fc.stringMatching(/^[a-z0-9-]{0,20}$/), fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"))
  .map(([a, mid, z]) => a + mid + z)
  .filter((l) => l !== "www");
const tld = fc.constantFrom("com", "org", "io", "net", "studio", "xn--zckzah");
/** A host as Steward stores it: lower case, no `www.`, not a path-site host. */
export const host = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 3 }), tld)
  .map(([labels, t]) => [...labels, t].join("."))
  .filter((h) => !PATH_HOSTS.some((p) => h === p || h.endsWith(p.replace(/^\*/, ""))));

/** Everything that must not make a new site, applied at random to a host. */
export const spelling = fc.record({
  scheme: fc.constantFrom("http", "https", "HTTPS"),
  www: fc.boolean(),
  caseMask: fc.array(fc.boolean(), { maxLength: 80 }),
  trailingDot: fc.boolean(),
  port: fc.constantFrom("", ":default", ":8080"),
  path: fc.constantFrom("", "/", "/about", "/about/", "/a/b/c", "/About%20Us"),
  query: fc.constantFrom("", "?", "?utm_source=x", "?a=1&b=2"),
  fragment: fc.constantFrom("", "#", "#top"),
});

export type Spelling = typeof spelling extends fc.Arbitrary<infer T> ? T : never;

export function spell(h: string, s: Spelling): string {
  const cased = [...`${s.www ? "www." : ""}${h}`].map((c, i) => (s.caseMask[i] ? c.toUpperCase() : c)).join("");
  const port = s.port === ":default" ? (s.scheme.toLowerCase() === "http" ? ":80" : ":443") : s.port;
  return `${s.scheme}://${cased}${s.trailingDot ? "." : ""}${port}${s.path}${s.query}${s.fragment}`;
}


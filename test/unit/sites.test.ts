import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { siteIdentity } from "../../src/domain/sites.ts";
import { loadPack, parsePack } from "../../src/programs/load.ts";
import { host, label, spell, spelling, SPELLING_SEED } from "../helpers/site-spellings.ts";

const PATH_HOSTS = loadPack().partner.pathSiteHosts;
const key = (raw: string) => {
  const r = siteIdentity(raw, PATH_HOSTS);
  if (!r.ok) throw new Error(`${raw}: ${r.problem}`);
  return r.key;
};
const problem = (raw: string) => {
  const r = siteIdentity(raw, PATH_HOSTS);
  return r.ok ? `accepted as ${r.key}` : r.problem;
};

/** Property runs are reproducible: a failure prints this seed and the shrunk counterexample (keep it as a case below). */
const SEED = SPELLING_SEED;

describe("site identity", () => {
  it("the five spellings from issue 9 are one site", () => {
    const spellings = [
      "https://studio.example.com",
      "http://studio.example.com",
      "https://studio.example.com.",
      "https://www.studio.example.com",
      "https://studio.example.com/about",
    ];
    expect(new Set(spellings.map(key))).toEqual(new Set(["studio.example.com"]));
    expect(siteIdentity(spellings[3] as string, PATH_HOSTS)).toEqual({ ok: true, key: "studio.example.com", url: "https://studio.example.com" });
  });

  it("ignores case, default and other ports, trailing slashes, query, fragment and credentials", () => {
    for (const raw of [
      "HTTPS://Studio.Example.COM/",
      "https://studio.example.com:443",
      "http://studio.example.com:80/",
      "http://studio.example.com:8080/",
      "https://studio.example.com/?utm_source=x#top",
      "https://studio.example.com/about/team/?a=1",
      "  https://WWW.studio.example.com./  ",
      "https://user:secret@studio.example.com",
    ])
      expect(key(raw), raw).toBe("studio.example.com");
  });

  it("compares internationalised hosts in punycode", () => {
    expect(key("https://bücher.example.com")).toBe("xn--bcher-kva.example.com");
    expect(key("https://BÜCHER.example.com/")).toBe("xn--bcher-kva.example.com");
    expect(key("https://xn--bcher-kva.example.com")).toBe("xn--bcher-kva.example.com");
    expect(key("https://www.bücher.example.com.")).toBe("xn--bcher-kva.example.com");
    expect(key("https://例え.テスト")).toBe("xn--r8jz45g.xn--zckzah");
  });

  it("keeps www. when it is the whole name", () => {
    expect(key("https://www.com")).toBe("www.com");
  });

  it("on hosts that serve many sites, the first path segment names the site", () => {
    expect(key("https://alice.wixsite.com/portfolio")).toBe("alice.wixsite.com/portfolio");
    expect(key("https://www.Alice.wixsite.com/Portfolio/about?x=1#y")).toBe("alice.wixsite.com/portfolio");
    expect(key("https://alice.wixsite.com/shop")).not.toBe(key("https://alice.wixsite.com/portfolio"));
    expect(key("https://bob.wixsite.com/portfolio")).not.toBe(key("https://alice.wixsite.com/portfolio"));
    expect(key("https://editorx.io/studio/contact")).toBe("editorx.io/studio");
    expect(key("https://www.wixstudio.io/studio")).toBe("wixstudio.io/studio");
    expect(siteIdentity("https://alice.wixsite.com/portfolio", PATH_HOSTS)).toMatchObject({ url: "https://alice.wixsite.com/portfolio" });
    // A custom domain is one site whatever the path, and so is a lookalike of a path-site host.
    expect(key("https://wixsite.com.example.com/portfolio")).toBe("wixsite.com.example.com");
    expect(key("https://notwixsite.com/portfolio")).toBe("notwixsite.com");
    expect(key("https://wixsite.com/portfolio")).toBe("wixsite.com");
  });

  it("refuses a path-site host without a site, or with a site name that is not one", () => {
    expect(problem("https://alice.wixsite.com/")).toMatch(/alice\.wixsite\.com holds many sites: name the site with its path, like https:\/\/alice\.wixsite\.com\/my-site/);
    expect(problem("https://editorx.io")).toMatch(/holds many sites/);
    expect(problem("https://alice.wixsite.com/%7Bx%7D")).toMatch(/is not a site name on alice\.wixsite\.com/);
  });

  it("refuses hosts that are not public DNS names, saying what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["https://a..b", /The host a\.\.b has an empty part between dots/],
      ["https://fuzz{}.example.com", /invalid part "fuzz\{\}"/],
      ["https://-studio.example.com", /invalid part "-studio"/],
      ["https://studio-.example.com", /invalid part "studio-"/],
      ["https://under_score.example.com", /invalid part "under_score"/],
      [`https://${"a".repeat(64)}.example.com`, /invalid part/],
      [`https://${Array.from({ length: 64 }, () => "abc").join(".")}.com`, /longer than 253 characters/],
      ["https://studio.example.com..", /empty part/],
      ["https://localhost", /not a public domain name/],
      ["https://localhost:3000/x", /not a public domain name/],
      ["https://studio.localhost", /real top-level domain \("\.localhost"\)/],
      ["https://127.0.0.1", /IP address/],
      ["https://10.1", /IP address/],
      ["https://0x7f.1", /IP address/],
      ["https://[::1]/", /IP address/],
      ["https://studio", /not a public domain name/],
      ["https://studio.c", /real top-level domain/],
      ["https://studio.c0m", /real top-level domain/],
      ["ftp://studio.example.com", /is not a web address/],
      ["studio.example.com", /is not a web address/],
      ["https://", /is not a web address/],
    ];
    for (const [raw, want] of cases) expect(problem(raw), raw).toMatch(want);
  });

  it("takes the path-site hosts from the pack, which checks their form", () => {
    expect(PATH_HOSTS).toEqual(["*.wixsite.com", "editorx.io", "wixstudio.io"]);
    expect(siteIdentity("https://alice.wixsite.com/portfolio", [])).toMatchObject({ key: "alice.wixsite.com" });
    expect(siteIdentity("https://sites.example.org/mine/page", ["sites.example.org"])).toMatchObject({ key: "sites.example.org/mine" });
    const pack = structuredClone(loadPack());
    pack.partner.pathSiteHosts = ["*.wixsite.com/<site>", "Editorx.io"];
    expect(() => parsePack(JSON.stringify(pack), "mine.json")).toThrow(/partner\.pathSiteHosts\.0: a lower-case host name, optionally starting with \*\./);
  });

  it("is exactly 253 characters at most, and 63 per label", () => {
    const label63 = "a".repeat(63);
    const host253 = `${label63}.${label63}.${label63}.${"b".repeat(57)}.com`;
    expect(host253).toHaveLength(253);
    expect(key(`https://${host253}`)).toBe(host253);
    expect(key(`https://${host253}.`)).toBe(host253);
  });
});

describe("site identity properties (seed " + SEED + ")", () => {
  it("spelling variants map to the same key", () => {
    fc.assert(
      fc.property(host, spelling, spelling, (h, a, b) => {
        expect(key(spell(h, a))).toBe(h);
        expect(key(spell(h, b))).toBe(key(spell(h, a)));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("different hosts never collide", () => {
    fc.assert(
      fc.property(host, host, spelling, spelling, (h1, h2, a, b) => {
        fc.pre(h1 !== h2);
        expect(key(spell(h1, a))).not.toBe(key(spell(h2, b)));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("different sites on a path-site host never collide, and pages of one do not split it", () => {
    const site = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/);
    fc.assert(
      fc.property(label, site, site, fc.constantFrom("", "/about", "/a/b?x=1"), (user, s1, s2, page) => {
        fc.pre(s1 !== s2);
        const base = `https://${user}.wixsite.com`;
        expect(key(`${base}/${s1}${page}`)).toBe(key(`${base}/${s1.toUpperCase()}/`));
        expect(key(`${base}/${s1}${page}`)).not.toBe(key(`${base}/${s2}${page}`));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

// Every dashboard page as a moderator sees it, in headless Chromium (Debian's
// `chromium`, driven by playwright-core), at 1280 px and at 390 px (a phone),
// over a realistic data set: what the page says, that nothing visible runs
// past the right edge unless it sits inside a box that scrolls (hiding the
// page's own overflow does not count), and axe-core's serious and critical
// findings (none allowed). The queue board is opened too and must list the
// queue names: its page once stayed on "Loading" behind a policy that
// forbade its <base href>. Screenshots go to test-artifacts/.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startJobs, type Jobs } from "../../src/jobs/index.ts";
import { startDashboard, type DashboardHarness } from "../helpers/dashboard.ts";
import { PROGRAM, seedDashboard, type SeenData } from "../helpers/dashboard-data.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const REDIS_URL = process.env.REDIS_URL;
const WIDTHS = [1280, 390] as const;

const present = existsSync(CHROMIUM);
if (!present && !process.env.CI) console.warn(`dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI it fails instead.`);

interface Overflow {
  viewport: number;
  documentWidth: number;
  rootOverflow: string[];
  past: string[];
}

// In-page code is written as text: this project's TypeScript has no DOM types.
/** What sticks out past the right edge of the viewport, and is not inside a box that scrolls sideways. */
const OVERFLOW = `(() => {
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (typeof el.className === "string" && el.className ? "." + el.className.split(" ").join(".") : "") + ' "' + (el.textContent || "").trim().slice(0, 40) + '"';
  const insideScroller = (el) => {
    for (let p = el.parentElement; p && p !== document.body && p !== document.documentElement; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === "auto" || s.overflowX === "scroll") return p.getBoundingClientRect().right <= vw + 1;
    }
    return false;
  };
  const past = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
    if (r.right > vw + 1 && !insideScroller(el)) past.push(name(el) + " right=" + Math.round(r.right));
  }
  const rootOverflow = [document.documentElement, document.body].map((e) => getComputedStyle(e).overflowX).filter((o) => o === "hidden" || o === "clip");
  return { viewport: vw, documentWidth: document.documentElement.scrollWidth, rootOverflow, past: past.slice(0, 8) };
})()`;

/** Serious and critical findings. */
const AXE_RUN = `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .map((v) => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target) + " " + n.html.slice(0, 160)).join(", ")))`;

function overflowOf(page: Page): Promise<Overflow> {
  return page.evaluate(OVERFLOW) as Promise<Overflow>;
}

async function axeFindings(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(AXE_RUN) as Promise<string[]>;
}

describe.skipIf(!present && !process.env.CI)("the dashboard as its users see it", () => {
  let d: DashboardHarness;
  let jobs: Jobs | undefined;
  let browser: Browser;
  let cookie: { name: string; value: string };
  let data: SeenData;
  const prefix = `steward-test-seen-${randomUUID()}`;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium package`).toBe(true);
    d = await startDashboard("pglite", REDIS_URL ? { REDIS_URL } : {}, async (runtime) => {
      if (!REDIS_URL) return {};
      jobs = await startJobs(runtime, [], { prefix, catchUp: false });
      const bull = jobs.bull;
      return bull ? { queues: [bull.scheduleQueue, bull.deliveryQueue] } : {};
    });
    data = await seedDashboard(d);
    d.runtime.app.pack.publicLeaderboard = true;
    const [name, value] = (await d.signIn()).split("=") as [string, string];
    cookie = { name, value };
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await jobs?.stop();
    await d?.close();
  });

  async function context(width: number, colorScheme: "light" | "dark" = "light"): Promise<BrowserContext> {
    const ctx = await browser.newContext({ viewport: { width, height: width > 500 ? 900 : 844 }, colorScheme });
    await ctx.addCookies([{ ...cookie, url: d.base }]);
    return ctx;
  }

  const pages = (): Array<{ path: string; file: string; heading: string; sees: string[] }> => [
    { path: `/admin/programs/${PROGRAM}`, file: "grid", heading: "Velo Community Leaders: compliance", sees: [`@${data.leaders[6]}`, "missed"] },
    { path: `/admin/members/${data.leaders[3]}`, file: "member", heading: `@${data.leaders[3]}`, sees: ["Contribute in the private Slack: missed 0/1", "Points", "Leaves", "Recent activities"] },
    { path: `/admin/members/${data.partners[0]}`, file: "member-partner", heading: `@${data.partners[0]}`, sees: ["premium lapsed — no points", "Sites", "Badges"] },
    { path: "/admin/partners", file: "partners", heading: "Partner program", sees: [`@${data.partners[2]}`, "Waiting for verification", "All sites (30)", "Premium lapsed"] },
    { path: "/admin/applications", file: "applications", heading: "Pending applications", sees: [`@${data.applicants[0]}`, `Approve @${data.applicants[5]}`, `@${data.applicants[0]} so far`, "Member of Velo Masters: active", "Applied to Velo Masters", "rejected"] },
    { path: "/admin/audit", file: "audit", heading: "Audit log", sees: ["@mod"] },
    { path: "/leaderboard", file: "leaderboard", heading: "leaderboard", sees: ["Partners by points"] },
  ];

  const looks = [...WIDTHS.map((width) => ({ width, scheme: "light" as const })), { width: 1280, scheme: "dark" as const }];
  for (const { width, scheme } of looks) {
    it(`shows every page at ${width} px (${scheme}) with nothing past the right edge and no serious accessibility finding`, async () => {
      const ctx = await context(width, scheme);
      try {
        const page = await ctx.newPage();
        const problems: string[] = [];
        for (const p of pages()) {
          const res = await page.goto(`${d.base}${p.path}`);
          expect(res?.status(), p.path).toBe(200);
          await expect(page.getByRole("heading", { level: 1 }).textContent(), p.path).resolves.toContain(p.heading);
          const text = await page.locator("main").innerText();
          for (const s of p.sees) expect(text, `${p.path} shows ${s}`).toContain(s);
          await page.screenshot({ path: new URL(`dashboard-${p.file}-${width}${scheme === "dark" ? "-dark" : ""}.png`, ARTIFACTS).pathname, fullPage: true });
          // What fits on one screen, as the README shows it (docs/dashboard-desktop.png, docs/dashboard-phone.png).
          if (p.file === "grid" && scheme === "light") await page.screenshot({ path: new URL(`dashboard-${width > 500 ? "desktop" : "phone"}.png`, ARTIFACTS).pathname });
          // The page follows the system's colour scheme.
          const background = await page.evaluate("getComputedStyle(document.body).backgroundColor");
          if (background !== (scheme === "dark" ? "rgb(22, 24, 28)" : "rgb(255, 255, 255)")) problems.push(`${p.file}: ${scheme} page background is ${String(background)}`);
          const o = await overflowOf(page);
          if (o.rootOverflow.length) problems.push(`${p.file}: the page hides its own overflow (${o.rootOverflow.join(", ")})`);
          for (const e of o.past) problems.push(`${p.file}: past the right edge: ${e}`);
          if (o.documentWidth > o.viewport) problems.push(`${p.file}: the page is ${o.documentWidth} px wide`);
          for (const f of await axeFindings(page)) problems.push(`${p.file}: axe: ${f}`);
        }
        expect(problems).toEqual([]);
      } finally {
        await ctx.close();
      }
    }, 120_000);
  }

  it("shows answers in the questions' order with their links, and activities by their labels with their links", async () => {
    const ctx = await context(1280);
    try {
      const page = await ctx.newPage();
      await page.goto(`${d.base}/admin/applications`);
      const partner = page.locator("article", { hasText: "applied to Partner group" });
      await expect(partner.locator("dt").allTextContents()).resolves.toEqual(["Your Partner dashboard id", "A site you built for a client (URL)"]);
      const leader = page.locator("article", { hasText: `@${data.applicants[0]}` });
      await expect(leader.getByRole("link", { name: `https://forum.example.com/u/applicant1` }).getAttribute("href")).resolves.toBe("https://forum.example.com/u/applicant1");
      await page.goto(`${d.base}/admin/audit`);
      // The action filter offers the actions there are; details name members by handle, not by id.
      await expect(page.getByLabel("Action").locator("option").allTextContents()).resolves.toContain("site verify");
      await expect(page.locator("main").innerText()).resolves.not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
      await page.goto(`${d.base}/admin/members/${data.leaders[0]}`);
      const activities = page.getByRole("table", { name: /activities/ });
      await expect(activities.getByText("Hours servicing the community").count()).resolves.toBeGreaterThan(0);
      await expect(activities.getByRole("link", { name: /^https:\/\/blog\.example\.com\// }).count()).resolves.toBeGreaterThan(0);
    } finally {
      await ctx.close();
    }
  });

  it("verifies a waiting site from the Partners page on a phone, and the partner's page shows it; each week on a member's page is the grid's, with the commitment that decided it", async () => {
    const db = d.runtime.app.db;
    const partner = data.partners[2] as string;
    const waiting = await db.site.findFirstOrThrow({ where: { member: { handle: partner }, verifiedAt: null }, orderBy: { url: "asc" } });
    const ctx = await context(390);
    try {
      const page = await ctx.newPage();
      await page.goto(`${d.base}/admin/partners?q=${partner}`);
      await page.getByRole("button", { name: `Verify ${waiting.url} for @${partner}` }).first().click();
      await page.getByRole("status").waitFor();
      await expect(page.getByRole("status").textContent()).resolves.toContain(`Verified ${waiting.url}`);
      const mod = await db.member.findUniqueOrThrow({ where: { handle: "mod" } });
      await expect(db.auditLog.count({ where: { action: "site verify", actor: mod.id, target: waiting.url } })).resolves.toBe(1);
      await page.getByRole("link", { name: `@${partner}` }).first().click();
      await page.getByRole("heading", { level: 1, name: `@${partner}` }).waitFor();
      const site = page.getByRole("table", { name: /Sites submitted/ }).getByRole("row", { name: new RegExp(waiting.url.replaceAll(".", "\\.")) });
      await expect(site.innerText()).resolves.toMatch(/ by @mod$/);

      // The member's weeks, newest first, read as the grid reads them for the same member.
      const leader = data.leaders[3] as string;
      await page.goto(`${d.base}/admin/programs/${PROGRAM}?q=${leader}`);
      const gridCells = await page.getByRole("row", { name: new RegExp(`@${leader}`) }).locator("td.st").allTextContents();
      await page.goto(`${d.base}/admin/members/${leader}`);
      const weeks = page.getByRole("table", { name: /week by week/ });
      await expect(weeks.locator("td.st").allTextContents()).resolves.toEqual(gridCells);
      expect(gridCells).toContain("missed");
      // A missed week names the weekly commitment it missed.
      await expect(weeks.getByRole("row").filter({ has: page.locator("td.st-missed") }).first().innerText()).resolves.toContain("Contribute in the private Slack: missed 0/1");
    } finally {
      await ctx.close();
    }
  });

  it.skipIf(!REDIS_URL)("renders the queue board with Steward's queue names", async () => {
    for (const width of WIDTHS) {
      const ctx = await context(width);
      try {
        const page = await ctx.newPage();
        const failed: string[] = [];
        page.on("response", (r) => {
          if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
        });
        const res = await page.goto(`${d.base}/admin/queues`);
        expect(res?.status()).toBe(200);
        // The board's own script replaces "Loading" with its queues and their job counts.
        await page.getByText(/^\d+ Jobs?$/).first().waitFor({ timeout: 20_000 });
        await page.screenshot({ path: new URL(`dashboard-queues-${width}.png`, ARTIFACTS).pathname, fullPage: true });
        for (const name of ["delivery", "schedules"]) await expect(page.getByText(name, { exact: true }).first().isVisible(), name).resolves.toBe(true);
        await expect(page.getByText("Loading", { exact: true }).count()).resolves.toBe(0);
        expect(failed).toEqual([]);
        const o = await overflowOf(page);
        const problems = [...o.past.map((e) => `past the right edge: ${e}`), ...(o.documentWidth > o.viewport ? [`the page is ${o.documentWidth} px wide`] : [])];
        // bull-board leaves its icon buttons unnamed; the board's page names them with a script of ours
        // (src/adapters/web/queue-board-names.ts), the queues' menus as React renders them after it ran.
        for (const name of ["Full screen", "Settings", "More actions for delivery", "More actions for schedules"]) {
          await expect(page.getByRole("button", { name, exact: true }).count(), name).resolves.toBe(1);
        }
        problems.push(...(await axeFindings(page)).map((f) => `axe: ${f}`));
        expect(problems, `queue board at ${width} px`).toEqual([]);
      } finally {
        await ctx.close();
      }
    }
  }, 60_000);
});

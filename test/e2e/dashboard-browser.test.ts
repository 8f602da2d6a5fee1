// The dashboard in a real browser: headless Chromium (Debian's `chromium`
// package, driven by playwright-core; nothing is downloaded) follows the
// link /dashboard gives, reads the grid, approves an application, and saves
// a screenshot of the grid under test-artifacts/. In CI a missing browser is
// a failure; elsewhere the test is skipped and says why.
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureMember } from "../../src/services/members.ts";
import { startDashboard, type DashboardHarness } from "../helpers/dashboard.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url);
const PROGRAM = "community-leaders-velo";
const DAY = 24 * 60 * 60 * 1000;

const present = existsSync(CHROMIUM);
if (!present && !process.env.CI) console.warn(`dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install chromium); in CI it fails instead.`);

describe.skipIf(!present && !process.env.CI)("the dashboard in Chromium", () => {
  let d: DashboardHarness;
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs Debian's chromium package`).toBe(true);
    d = await startDashboard();
    const db = d.runtime.app.db;
    // Members who keep up, who stopped at some week, who took a leave, and an applicant.
    let n = 0;
    const log = (memberId: string, kind: string, at: number, hours?: number) =>
      db.activity.create({ data: { memberId, kind, occurredAt: new Date(at), source: "test", dedupeKey: `b${++n}`, ...(hours ? { hours } : {}) } });
    const start = Date.parse("2026-08-03T10:00:00Z");
    const people = [["steady", 99], ["sam", 99], ["fading", 10], ["gone", 0], ["onleave", 99]] as const;
    for (const [handle, weeks] of people) {
      const m = await ensureMember(d.runtime.app, "console", handle, handle);
      await db.membership.create({ data: { memberId: m.id, programId: PROGRAM, state: "active", joinedAt: new Date("2026-08-03T00:00:00Z") } });
      if (handle === "onleave") await db.pause.create({ data: { memberId: m.id, startsAt: new Date("2026-10-26T00:00:00Z"), endsAt: new Date("2026-11-16T00:00:00Z") } });
      const away = (t: number) => handle === "onleave" && t >= Date.parse("2026-10-26T00:00:00Z") && t < Date.parse("2026-11-16T00:00:00Z");
      for (let w = 0; w < weeks && start + w * 7 * DAY < d.runtime.clock.now().getTime(); w++) if (!away(start + w * 7 * DAY)) await log(m.id, "message", start + w * 7 * DAY);
      if (weeks === 0) continue;
      for (const month of ["08", "09", "10", "11"]) {
        await log(m.id, "hours", Date.parse(`2026-${month}-01T09:00:00Z`), 3);
        await log(m.id, "content", Date.parse(`2026-${month}-01T09:00:00Z`));
        // Social promotion is a required monthly commitment of Community Leaders (the seed's "must promote").
        await log(m.id, "social", Date.parse(`2026-${month}-01T09:00:00Z`));
      }
      for (const q of ["2026-08-01", "2026-10-01"]) await log(m.id, "meetup", Date.parse(`${q}T09:00:00Z`));
    }
    await d.chat.ok("alice", `/apply ${PROGRAM} profiles:https://forum.example.com/u/alice experience:"3 years of Velo" contribution:"meetups in Lisbon"`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
    await d?.close();
  });

  it("signs in with the link, shows the grid, approves, and refuses the link a second time", async () => {
    const link = await d.link("mod");
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

    await page.goto(link);
    await page.getByRole("button", { name: "Sign in as @mod" }).click();
    await page.waitForURL(`**/admin/programs/${PROGRAM}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("Velo Community Leaders: compliance, last 12 weeks");

    const grid = page.getByRole("table");
    await expect(grid.locator("caption").textContent()).resolves.toContain("members 1–5 of 5");
    // Repeat missers first, each week labelled in words.
    const rows = grid.locator("tbody tr");
    await expect(rows.count()).resolves.toBe(5);
    await expect(rows.first().locator("th").textContent()).resolves.toContain("@gone");
    await expect(rows.first().locator("td.st-missed").first().textContent()).resolves.toBe("missed");
    await expect(grid.locator("td.st-met").count()).resolves.toBeGreaterThan(0);
    await expect(rows.filter({ hasText: "@onleave" }).locator("td.st-paused").count()).resolves.toBeGreaterThan(0);
    await expect(page.getByRole("columnheader").count()).resolves.toBe(14);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("dashboard-grid.png", ARTIFACTS).pathname, fullPage: true });

    // Keyboard first: the first Tab reaches the skip link.
    await page.keyboard.press("Tab");
    await expect(page.locator(":focus").textContent()).resolves.toBe("Skip to content");

    await rows.filter({ hasText: "@steady" }).getByRole("link", { name: "@steady" }).click();
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain("@steady");

    await page.getByRole("link", { name: "Applications" }).click();
    await expect(page.getByText("meetups in Lisbon")).toBeTruthy();
    await page.getByRole("button", { name: "Approve @alice" }).click();
    await expect(page.getByRole("status").textContent()).resolves.toContain("Approved: @alice is now a member of Velo Community Leaders.");
    const alice = await d.runtime.app.db.member.findUniqueOrThrow({ where: { handle: "alice" } });
    const membership = await d.runtime.app.db.membership.findFirst({ where: { memberId: alice.id, programId: PROGRAM, state: "active" } });
    expect(membership?.state).toBe("active");

    const again = await browser.newPage();
    const response = await again.goto(link);
    expect(response?.status()).toBe(401);
    await expect(again.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("This sign-in link does not work");
  });
});

// Drill: hostile dashboard queries. Every query parameter and path segment of every dashboard page,
// with the values an attacker or a mangled link sends (NUL, lone surrogates, control characters,
// years 0 and 99999, numbers past any column, very long text, broken percent escapes), over real
// HTTP as a signed-in moderator. Every answer must be a page: a 400 that says what was wrong, or
// the page itself; never a 5xx.
import { PROGRAM } from "../test/helpers/dashboard-data.ts";
import { get, startDashboard } from "../test/helpers/dashboard.ts";
import type { Drill } from "./lib.ts";

/** Values as they stand in a URL (already percent-encoded where they must be). */
export const HOSTILE_QUERY_VALUES = [
  "%00",
  "a%00b",
  "%ED%A0%80", // a lone surrogate, as UTF-8 bytes no decoder accepts
  "%EF%BF%BF",
  "%",
  "%zz",
  "%E0%A4%A",
  "%0A%0D",
  "%1B%5B31m",
  "%7F",
  "-1",
  "0",
  "1e309",
  "NaN",
  "99999999999999999999",
  "2147483648",
  "9007199254740993",
  "0000-01-01",
  "0000-00-00",
  "-200000-01-01",
  "99999-12-31",
  "2026-02-30",
  "2026-W99",
  "9999-W52",
  "0000-W01",
  "'%20OR%201=1--",
  "%3Cscript%3Ealert(1)%3C/script%3E",
  "..%2F..%2Fetc%2Fpasswd",
  "@",
  "%F0%9F%92%A9",
  "x".repeat(5000),
  "%20".repeat(300),
] as const;

/** Every dashboard page and its parameters: `{}` in a path is a path segment to fill. */
export const DASHBOARD_QUERIES: ReadonlyArray<{ path: string; params: readonly string[] }> = [
  { path: `/admin/programs/${PROGRAM}`, params: ["page", "q", "status", "sort"] },
  { path: "/admin/programs/{}", params: [] },
  { path: `/admin/programs/${PROGRAM}/report.csv`, params: ["week"] },
  { path: "/admin/members/{}", params: [] },
  { path: "/admin/partners", params: ["q", "state", "sort", "page"] },
  { path: "/admin/applications", params: ["page"] },
  { path: "/admin/audit", params: ["actor", "action", "from", "to", "before"] },
  { path: "/admin/audit.csv", params: ["actor", "action", "from", "to", "before"] },
  { path: "/leaderboard", params: ["period"] },
  { path: "/admin/login", params: ["token"] },
];

/** Every hostile request: each value in each parameter alone, and in each path segment. */
export function hostileDashboardRequests(): string[] {
  const out: string[] = [];
  for (const { path, params } of DASHBOARD_QUERIES) {
    for (const v of HOSTILE_QUERY_VALUES) {
      if (path.includes("{}")) out.push(path.replace("{}", v));
      for (const p of params) out.push(`${path}?${p}=${v}`);
    }
    // The same parameter twice, and all parameters hostile at once.
    if (params.length) out.push(`${path}?${params.map((p) => `${p}=%00&${p}=x`).join("&")}`);
  }
  return out;
}

export const dashboardQueriesDrill: Drill = async () => {
  const d = await startDashboard(process.env.DATABASE_URL ? "postgres" : "pglite");
  try {
    d.runtime.app.pack.publicLeaderboard = true;
    await d.chat.ok("mod", "/log hours 2");
    const cookie = await d.signIn();
    const requests = hostileDashboardRequests();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const path of requests) {
      const res = await get(d.base, path, cookie);
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500) failures.push(`${res.status} ${path.slice(0, 120)}`);
    }
    const summary = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${n}×${s}`).join(", ");
    return { pass: failures.length === 0, figures: `${requests.length} requests (${summary}), ${failures.length} 5xx`, problems: failures.slice(0, 10) };
  } finally {
    await d.close();
  }
};

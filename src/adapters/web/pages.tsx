// The dashboard's renderer: server-rendered HTML (Hono's JSX, which escapes
// every interpolated value), usable without JavaScript: links and plain
// forms only. Tables have captions and header cells with scopes; every
// status is written out, its colour only repeats it.
import type { Child, PropsWithChildren } from "hono/jsx";
import { DateTime } from "luxon";
import type { CommitmentEvaluation, CommitmentStatus } from "../../domain/commitments.ts";
import type { Program } from "../../domain/pack.ts";
import type { Period } from "../../domain/periods.ts";
import { APPLICATION_PAGE_SIZE, type ApplicantHistory, type ApplicationQueue, type PendingApplication } from "../../services/applications.ts";
import { GRID_PAGE_SIZE, GRID_SORTS, type AuditEntry, type AuditFilter, type GridPage, type GridSort, type MemberProfile, type PartnerOverview } from "../../services/overview.ts";
import type { LeaderboardRow } from "../../services/partner.ts";
import { SITE_FILTERS, SITE_PAGE_SIZE, SITE_SORTS, type SiteFilter, type SiteListRow, type SiteSort } from "../../services/sites.ts";
import { STATUS_LABEL, commitmentCell } from "../../chat/commitments.ts";

export interface Viewer {
  handle: string;
  csrf: string;
}

export type Section = "programs" | "partners" | "applications" | "audit";

export interface Shell {
  viewer?: Viewer | undefined;
  programs?: Program[];
  current?: Section;
  tz: string;
}

export function document(node: Child): string {
  return `<!doctype html>${String(node)}`;
}

export function when(d: Date, tz: string, format = "d LLL yyyy, HH:mm"): string {
  return DateTime.fromJSDate(d, { zone: tz }).toFormat(format);
}

function Layout(props: PropsWithChildren<{ title: string; shell: Shell }>) {
  const { viewer, programs = [], current } = props.shell;
  const here = (s: Section) => (current === s ? { "aria-current": "page" as const } : {});
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title} · Steward</title>
        <link rel="stylesheet" href="/admin/static/style.css" />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <span class="brand">Steward{viewer ? " dashboard" : ""}</span>
          {viewer && (
            <nav class="main" aria-label="Dashboard">
              <ul>
                {programs.map((p) => (
                  <li>
                    <a href={`/admin/programs/${p.id}`} {...(current === "programs" && props.title.startsWith(p.name) ? { "aria-current": "page" } : {})}>
                      {p.name}
                    </a>
                  </li>
                ))}
                <li>
                  <a href="/admin/partners" {...here("partners")}>
                    Partners
                  </a>
                </li>
                <li>
                  <a href="/admin/applications" {...here("applications")}>
                    Applications
                  </a>
                </li>
                <li>
                  <a href="/admin/audit" {...here("audit")}>
                    Audit log
                  </a>
                </li>
              </ul>
            </nav>
          )}
          {viewer && (
            <form method="post" action="/admin/logout" class="inline">
              <span>Signed in as @{viewer.handle}</span>
              <input type="hidden" name="csrf" value={viewer.csrf} />
              <button type="submit" class="plain">
                Sign out
              </button>
            </form>
          )}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/** A refusal says what happened (and, when it is about signing in, how to get in), and shows nothing else. */
export function refusedPage(shell: Shell, title: string, message: string, signInHint = true): string {
  return document(
    <Layout title={title} shell={{ tz: shell.tz }}>
      <h1>{title}</h1>
      <p>{message}</p>
      {signInHint ? (
        <p>
          Moderators get a sign-in link by typing <code>/dashboard</code> in chat. Each link works once, for 10 minutes.
        </p>
      ) : (
        <p>
          <a href="/admin">Back to the dashboard</a>
        </p>
      )}
    </Layout>,
  );
}

export function signInPage(shell: Shell, token: string, handle: string): string {
  return document(
    <Layout title="Sign in" shell={{ tz: shell.tz }}>
      <h1>Sign in to the Steward dashboard</h1>
      <p>This link signs in @{handle}. It works once: after signing in, ask /dashboard for a new link.</p>
      <form method="post" action="/admin/login">
        <input type="hidden" name="token" value={token} />
        <button type="submit">Sign in as @{handle}</button>
      </form>
    </Layout>,
  );
}

/** A wide table scrolls inside its own box (never the page); the box takes keyboard focus so it can be scrolled without a mouse. */
function Scroll(props: PropsWithChildren<{ label: string }>) {
  return (
    <div class="scroll" role="region" aria-label={props.label} tabindex={0}>
      {props.children}
    </div>
  );
}

function Notice(props: { notice?: { ok: boolean; text: string } | undefined }) {
  if (!props.notice) return null;
  return (
    <div class={`notice ${props.notice.ok ? "ok" : "error"}`} role={props.notice.ok ? "status" : "alert"}>
      {props.notice.text}
    </div>
  );
}

export const STATUSES: CommitmentStatus[] = ["met", "on-track", "at-risk", "missed", "paused", "not-yet-judged"];

function weekHeader(p: Period, current: boolean) {
  const start = DateTime.fromJSDate(p.start, { zone: p.tz });
  return (
    <th scope="col" class="num">
      {p.key.slice(5)}
      <br />
      <span class="muted">{current ? "this week" : start.toFormat("d LLL")}</span>
    </th>
  );
}

function StatusCell(props: { status: CommitmentStatus; week: Period; changed?: boolean | undefined }) {
  const changed = props.changed ? " (changed since it was posted: see that week's /report)" : "";
  return (
    <td class={`st st-${props.status}`} title={`${props.week.key}: ${STATUS_LABEL[props.status]}${changed}`}>
      {STATUS_LABEL[props.status]}
      {props.changed ? " *" : ""}
    </td>
  );
}

/** `keep`: the search and filter the pages share, carried in every link and in the go-to-page form. */
function Pager(props: { page: number; pages: number; base: string; keep?: Record<string, string | undefined> }) {
  if (props.pages <= 1) return null;
  const kept = Object.entries(props.keep ?? {}).filter((e): e is [string, string] => Boolean(e[1]));
  const link = (n: number) => `${props.base}?${new URLSearchParams([...kept, ["page", String(n)]]).toString()}`;
  return (
    <nav class="pager" aria-label="Pages">
      {props.page > 1 ? <a href={link(1)}>First</a> : null}
      {props.page > 1 ? (
        <a href={link(props.page - 1)} rel="prev">
          Previous
        </a>
      ) : null}
      <span>
        Page {props.page} of {props.pages}
      </span>
      {props.page < props.pages ? (
        <a href={link(props.page + 1)} rel="next">
          Next
        </a>
      ) : null}
      {props.page < props.pages ? <a href={link(props.pages)}>Last</a> : null}
      <form method="get" action={props.base} class="inline">
        {kept.map(([k, v]) => (
          <input type="hidden" name={k} value={v} />
        ))}
        <label for="page">Go to page</label>
        <input id="page" name="page" type="number" min="1" max={String(props.pages)} value={String(props.page)} required />
        <button type="submit" class="plain">
          Go
        </button>
      </form>
    </nav>
  );
}

function GridTable(props: { grid: GridPage; caption: string; linkMembers: boolean }) {
  const { grid } = props;
  const last = grid.weeks.length - 1;
  // Newest week first, beside the member: the week a moderator acts on is in view at any width.
  const order = grid.weeks.map((_, i) => last - i);
  return (
    <Scroll label={props.caption}>
      <table class="grid">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col" class="num">
              Weeks missed in a row
            </th>
            {order.map((i) => weekHeader(grid.weeks[i] as Period, i === last))}
          </tr>
        </thead>
        <tbody>
          {grid.rows.map((r) => (
            <tr>
              <th scope="row">
                {props.linkMembers ? <a href={`/admin/members/${encodeURIComponent(r.handle)}`}>@{r.handle}</a> : `@${r.handle}`}
                {r.displayName !== r.handle ? <> <span class="muted">{r.displayName}</span></> : null}
              </th>
              <td class="num">
                {r.flagged ? <span class="flag">⚠ {r.missedInARow}</span> : r.missedInARow}
              </td>
              {order.map((i) => (
                <StatusCell status={r.weeks[i] ?? "not-yet-judged"} week={grid.weeks[i] as Period} changed={r.changed[i]} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

function Legend() {
  return (
    <ul class="legend" aria-label="Statuses">
      {STATUSES.map((s) => (
        <li class={`st-${s}`}>{STATUS_LABEL[s]}</li>
      ))}
    </ul>
  );
}

const SORT_LABEL: Record<GridSort, string> = { missed: "Weeks missed in a row", name: "Handle", joined: "Joined (earliest first)" };

/** Search, filter and order over the whole program, done by the server: a plain GET form. */
function GridSearch(props: { grid: GridPage; base: string }) {
  const { query } = props.grid;
  return (
    <form method="get" action={props.base} class="filters" role="search" aria-label="Find members">
      <div>
        <label for="q">Member (handle or name)</label>
        <input id="q" name="q" type="search" value={query.q ?? ""} maxlength={64} />
      </div>
      <div>
        <label for="status">Status now</label>
        <select id="status" name="status">
          <option value="">Any</option>
          {STATUSES.map((st) => (
            <option value={st} selected={query.status === st}>
              {STATUS_LABEL[st]}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="sort">Order by</label>
        <select id="sort" name="sort">
          {GRID_SORTS.map((so) => (
            <option value={so} selected={query.sort === so}>
              {SORT_LABEL[so]}
            </option>
          ))}
        </select>
      </div>
      <button type="submit">Show</button>
      {query.q || query.status || query.sort !== "missed" ? <a href={props.base}>Clear</a> : null}
    </form>
  );
}

export function gridPage(shell: Shell, grid: GridPage): string {
  const p = grid.program;
  const base = `/admin/programs/${p.id}`;
  const from = (grid.page - 1) * GRID_PAGE_SIZE + 1;
  return document(
    <Layout title={`${p.name} — compliance`} shell={{ ...shell, current: "programs" }}>
      <h1>{p.name}: compliance, last {grid.weeks.length} weeks</h1>
      <p>
        {grid.programTotal} active member{grid.programTotal === 1 ? "" : "s"}. Each week shows the member's overall status as that week's report had it; members who missed two or more weeks in a row come
        first. Open a member for their history.
      </p>
      <Legend />
      <GridSearch grid={grid} base={base} />
      {grid.programTotal === 0 ? (
        <p>Nobody is in this program yet.</p>
      ) : grid.total === 0 ? (
        <p role="status">No member matches. <a href={base}>Show everyone</a></p>
      ) : (
        <GridTable grid={grid} caption={`${p.name}: members ${from}–${from + grid.rows.length - 1} of ${grid.total}, weeks ${grid.weeks.at(-1)?.key} back to ${grid.weeks[0]?.key}`} linkMembers />
      )}
      <Pager page={grid.page} pages={grid.pages} base={base} keep={{ q: grid.query.q, status: grid.query.status, sort: grid.query.sort === "missed" ? undefined : grid.query.sort }} />
      <form method="get" action={`${base}/report.csv`} class="inline report">
        <label for="week">Report week (CSV)</label>
        <input id="week" name="week" placeholder={grid.weeks.at(-2)?.key ?? ""} pattern="\d{4}-W\d{2}" aria-describedby="week-help" />
        <span id="week-help" class="muted">
          empty: last complete week
        </span>
        <button type="submit">Download CSV</button>
      </form>
    </Layout>,
  );
}

/** A commitment as a week's cell read it: "Weekly contribution: missed 0/1", with its month or quarter when it is not the week. */
function because(c: CommitmentEvaluation): string {
  return `${c.label}${c.unit === "week" ? "" : ` (${c.period.key})`}: ${commitmentCell(c)}`;
}

function MemberWeeks(props: { handle: string; p: MemberProfile["programs"][number]; tz: string }) {
  const { p } = props;
  return (
    <section aria-labelledby={`prog-${p.program.id}`}>
      <h2 id={`prog-${p.program.id}`}>{p.program.name}</h2>
      <p>
        Weeks missed in a row: {p.flagged ? <span class="flag">⚠ {p.missedInARow}</span> : p.missedInARow}
      </p>
      <Scroll label={`${p.program.name}: weeks`}>
        <table class="weeks">
          <caption>
            {p.program.name}: @{props.handle}, week by week, newest first, with the commitments that decided each week
          </caption>
          <thead>
            <tr>
              <th scope="col">Week</th>
              <th scope="col">Status</th>
              <th scope="col">Because</th>
            </tr>
          </thead>
          <tbody>
            {p.weeks.map((w, i) => (
              <tr>
                <th scope="row">
                  {w.week.key} <span class="muted">{i === 0 ? "this week" : when(w.week.start, props.tz, "d LLL")}</span>
                </th>
                <StatusCell status={w.status} week={w.week} changed={w.changed} />
                <td>
                  {w.because.length === 0 ? <span class="muted">no required commitment</span> : null}
                  {w.because.map((c, j) => (
                    <>
                      {j > 0 ? <br /> : null}
                      {because(c)}
                    </>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </section>
  );
}

export function memberPage(shell: Shell, h: MemberProfile): string {
  const tz = shell.tz;
  const day = (d: Date) => when(d, tz, "d LLL yyyy");
  const pts = h.points;
  return document(
    <Layout title={`@${h.member.handle}`} shell={{ ...shell, current: "programs" }}>
      <h1>
        @{h.member.handle} <span class="muted">({h.member.displayName})</span>
      </h1>
      <p>Member since {day(h.member.createdAt)}.</p>
      <ul>
        {h.memberships.length === 0 ? <li>In no program.</li> : null}
        {h.memberships.map((m) => (
          <li>
            {m.program}: {m.state}, since {day(m.joinedAt)}
            {m.endedAt ? `, ended ${day(m.endedAt)}` : ""}
          </li>
        ))}
      </ul>
      {h.programs.length ? <Legend /> : <p>Not in any program with commitments.</p>}
      {h.programs.map((p) => (
        <MemberWeeks handle={h.member.handle} p={p} tz={tz} />
      ))}
      <h2>Points</h2>
      <p>
        {pts.balance} points, tier {pts.tier}
        {pts.atRiskSince ? `; below the tier's threshold since ${day(pts.atRiskSince)}` : ""}.
      </p>
      {pts.byKind.length ? (
        <Scroll label="Points by kind">
          <table>
            <caption>The ledger by kind of entry</caption>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col" class="num">
                  Entries
                </th>
                <th scope="col" class="num">
                  Points
                </th>
              </tr>
            </thead>
            <tbody>
              {pts.byKind.map((k) => (
                <tr>
                  <th scope="row">{k.kind}</th>
                  <td class="num">{k.entries}</td>
                  <td class="num">{k.points}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      ) : null}
      {pts.recent.length ? (
        <Scroll label="Latest ledger entries">
          <table>
            <caption>Latest {pts.recent.length} ledger entries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col" class="num">
                  Points
                </th>
                <th scope="col">Reason</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {pts.recent.map((e) => (
                <tr>
                  <td>{when(e.at, tz)}</td>
                  <td class="num">{e.delta > 0 ? `+${e.delta}` : e.delta}</td>
                  <td>{e.reason}</td>
                  <td>{e.by}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      ) : (
        <p>No ledger entries.</p>
      )}
      <h2>Sites</h2>
      {h.sites.length === 0 ? (
        <p>No sites submitted.</p>
      ) : (
        <Scroll label="Sites">
          <table>
            <caption>Sites submitted, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Kind</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Verified</th>
              </tr>
            </thead>
            <tbody>
              {h.sites.map((s) => (
                <tr>
                  <th scope="row" class="url">
                    <Linked text={s.url} />
                  </th>
                  <td>{s.kind}</td>
                  <td>{s.role}</td>
                  <td>{s.state}</td>
                  <td>{s.verifiedAt ? `${day(s.verifiedAt)}${s.verifiedBy ? ` by ${s.verifiedBy}` : ""}` : "not yet"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <h2>Badges</h2>
      {h.badges.length === 0 ? (
        <p>No badges.</p>
      ) : (
        <ul>
          {h.badges.map((b) => (
            <li>
              {b.name}, since {day(b.grantedAt)}
            </li>
          ))}
        </ul>
      )}
      <h2>Leaves</h2>
      {h.leaves.length === 0 ? (
        <p>No leaves.</p>
      ) : (
        <ul>
          {h.leaves.map((l) => (
            <li>
              {day(l.startsAt)} to {day(l.endsAt)}
              {l.reason ? <>: {l.reason}</> : null}
            </li>
          ))}
        </ul>
      )}
      <h2>Recent activities</h2>
      {h.activities.length === 0 ? (
        <p>No activities logged.</p>
      ) : (
        <Scroll label="Recent activities">
          <table>
            <caption>Last {h.activities.length} activities, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">
                  Hours
                </th>
                <th scope="col">Link</th>
                <th scope="col">Counts</th>
              </tr>
            </thead>
            <tbody>
              {h.activities.map((a) => (
                <tr>
                  <td>{when(a.occurredAt, tz)}</td>
                  <td>{a.label}</td>
                  <td class="num">{a.hours ?? ""}</td>
                  <td>{a.url ? <Linked text={a.url} /> : ""}</td>
                  <td>{a.rejected ? "rejected" : "yes"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </Layout>,
  );
}

/** A tier's colour class by its place in the pack's ladder (the name is always written beside it). */
function tierClass(tiers: readonly string[] | undefined, name: string): string {
  const at = tiers?.indexOf(name) ?? -1;
  return at < 0 ? "tier" : `tier tier-${Math.min(at, 4)}`;
}

function LeaderTable(props: { rows: LeaderboardRow[]; caption: string; tiers?: readonly string[] }) {
  return (
    <Scroll label="Partners by points">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              Rank
            </th>
            <th scope="col">Partner</th>
            <th scope="col">Tier</th>
            <th scope="col" class="num">
              Points
            </th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r, i) => (
            <tr>
              <td class="num">{i + 1}</td>
              <th scope="row">
                {r.displayName} <span class="muted">@{r.handle}</span>
              </th>
              <td>
                <span class={tierClass(props.tiers, r.tier)}>{r.tier}</span>
              </td>
              <td class="num">{r.points}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Scroll>
  );
}

export const SITE_ACTIONS = ["verify", "lapse", "remove-contributor"] as const;
export type SiteAction = (typeof SITE_ACTIONS)[number];

const LOSS_LABEL: Record<string, string> = { lapsed: "premium plan lapsed", removed: "removed as contributor", disowned: "ownership moved to another partner" };

/** The list of sites as the page shows it: one page of `siteList`, what was asked, and the pack's words for states and kinds. */
export interface SitesView {
  rows: SiteListRow[];
  total: number;
  page: number;
  pages: number;
  query: { q?: string | undefined; state?: SiteFilter | undefined; sort?: SiteSort | undefined };
  stateLabel: Record<string, string>;
  kindLabel: Record<string, string>;
}

/** The moderator actions chat has as `/site verify|lapse|remove-contributor`, as buttons. */
const SITE_ACTION: Record<SiteAction, { label: (url: string, handle: string) => string; text: string; danger?: true }> = {
  verify: { label: (url, handle) => `Verify ${url} for @${handle}`, text: "Verify" },
  // Each name starts with the button's own words, so speech input ("click Premium lapsed") finds it.
  lapse: { label: (url) => `Premium lapsed: ${url} (every partner on it loses its points)`, text: "Premium lapsed", danger: true },
  "remove-contributor": { label: (url, handle) => `Remove contributor @${handle} from ${url} (they lose its points)`, text: "Remove contributor", danger: true },
};

function SiteAction(props: { to: string; csrf: string; action: SiteAction; url: string; handle: string }) {
  const a = SITE_ACTION[props.action];
  return (
    <form method="post" action={props.to} class="inline">
      <input type="hidden" name="csrf" value={props.csrf} />
      <input type="hidden" name="action" value={props.action} />
      <input type="hidden" name="url" value={props.url} />
      <input type="hidden" name="member" value={props.handle} />
      <button type="submit" aria-label={a.label(props.url, props.handle)} {...(a.danger ? { class: "danger" } : {})}>
        {a.text}
      </button>
    </form>
  );
}

const SITE_SORT_LABEL: Record<SiteSort, string> = { submitted: "Newest submission", partner: "Partner", site: "Site address", state: "State" };

function SitesTable(props: { sites: SitesView; to: string; csrf: string; tz: string }) {
  const { sites, to, csrf, tz } = props;
  const q = sites.query;
  const keep = { q: q.q, state: q.state, sort: q.sort };
  const csv = `/admin/partners/sites.csv?${new URLSearchParams(Object.entries(keep).filter((e): e is [string, string] => Boolean(e[1]))).toString()}`;
  return (
    <>
      <form method="get" action="/admin/partners" class="filters" role="search" aria-label="Find sites">
        <div>
          <label for="sites-q">Site or partner</label>
          <input id="sites-q" name="q" type="search" value={q.q ?? ""} maxlength={64} />
        </div>
        <div>
          <label for="sites-state">State</label>
          <select id="sites-state" name="state">
            <option value="">Any</option>
            {SITE_FILTERS.map((st) => (
              <option value={st} selected={q.state === st}>
                {st === "waiting" ? "waiting for verification" : (sites.stateLabel[st] ?? st)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="sites-sort">Order by</label>
          <select id="sites-sort" name="sort">
            {SITE_SORTS.map((so) => (
              <option value={so} selected={(q.sort ?? "submitted") === so}>
                {SITE_SORT_LABEL[so]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Show</button>
        {q.q || q.state || q.sort ? <a href="/admin/partners#sites">Clear</a> : null}
        <a href={csv}>Download CSV</a>
      </form>
      {sites.total === 0 ? (
        <p role="status">No site matches.</p>
      ) : (
        <Scroll label="Sites">
          <table>
            <caption>
              Sites {(sites.page - 1) * SITE_PAGE_SIZE + 1}–{(sites.page - 1) * SITE_PAGE_SIZE + sites.rows.length} of {sites.total}
            </caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Partner</th>
                <th scope="col">Kind</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">Verified</th>
                <th scope="col" class="num">
                  Points
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {sites.rows.map((s) => (
                <tr>
                  <th scope="row" class="url">
                    <Linked text={s.url} />
                  </th>
                  <td>
                    <a href={`/admin/members/${encodeURIComponent(s.handle)}`}>@{s.handle}</a>
                  </td>
                  <td>{sites.kindLabel[s.kind] ?? s.kind}</td>
                  <td>{s.role}</td>
                  <td>{sites.stateLabel[s.state] ?? s.state}</td>
                  <td>{s.verifiedAt ? when(s.verifiedAt, tz, "d LLL yyyy") : "not yet"}</td>
                  <td class="num">{s.points}</td>
                  <td>
                    <div class="row-actions">
                      {s.canVerify ? <SiteAction to={to} csrf={csrf} action="verify" url={s.url} handle={s.handle} /> : null}
                      {s.canLapse ? <SiteAction to={to} csrf={csrf} action="lapse" url={s.url} handle={s.handle} /> : null}
                      {s.canRemove ? <SiteAction to={to} csrf={csrf} action="remove-contributor" url={s.url} handle={s.handle} /> : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <Pager page={sites.page} pages={sites.pages} base="/admin/partners" keep={keep} />
    </>
  );
}

/** The query a page of sites was asked with, so an action's answer shows the same page. */
function partnersAddress(q: SitesView["query"], page: number): string {
  const kept = Object.entries({ ...q, page: page > 1 ? String(page) : undefined }).filter((e): e is [string, string] => Boolean(e[1]));
  return kept.length ? `/admin/partners?${new URLSearchParams(kept).toString()}` : "/admin/partners";
}

export function partnersPage(shell: Shell, o: PartnerOverview, sites: SitesView, notice?: { ok: boolean; text: string }): string {
  const tz = shell.tz;
  const csrf = shell.viewer?.csrf ?? "";
  const to = partnersAddress(sites.query, sites.page);
  return document(
    <Layout title="Partners" shell={{ ...shell, current: "partners" }}>
      <h1>Partner program</h1>
      <Notice notice={notice} />
      <h2>Tiers</h2>
      <Scroll label="Members per tier">
        <table>
          <caption>Members per tier</caption>
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col" class="num">
                From points
              </th>
              <th scope="col" class="num">
                Members
              </th>
            </tr>
          </thead>
          <tbody>
            {o.tiers.map((t) => (
              <tr>
                <th scope="row">{t.name}</th>
                <td class="num">{t.threshold}</td>
                <td class="num">{t.members}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
      <h2>Leaderboard</h2>
      {o.leaders.length ? <LeaderTable rows={o.leaders} tiers={o.tiers.map((t) => t.name)} caption="Top partners by points" /> : <p>No partner has points yet.</p>}
      <h2>In the grace period</h2>
      {o.grace.length === 0 ? (
        <p>No partner is below their tier.</p>
      ) : (
        <Scroll label="Partners in the grace period">
          <table>
            <caption>Partners below their tier's threshold, with the day they drop if nothing changes</caption>
            <thead>
              <tr>
                <th scope="col">Partner</th>
                <th scope="col">Tier held</th>
                <th scope="col" class="num">
                  Points
                </th>
                <th scope="col">Drops to</th>
                <th scope="col">Below since</th>
                <th scope="col">Demotion on</th>
              </tr>
            </thead>
            <tbody>
              {o.grace.map((g) => (
                <tr>
                  <th scope="row">@{g.handle}</th>
                  <td>{g.tier}</td>
                  <td class="num">{g.points}</td>
                  <td>{g.dropsTo}</td>
                  <td>{when(g.atRiskSince, tz, "d LLL yyyy")}</td>
                  <td>{when(g.demotionOn, tz, "d LLL yyyy")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <h2>Recent lapses and removals</h2>
      {o.lapses.length === 0 ? (
        <p>No site has lapsed or been removed.</p>
      ) : (
        <Scroll label="Recent lapses and removals">
          <table>
            <caption>Sites whose premium plan lapsed, whose contributor was removed or whose ownership moved, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Partner</th>
                <th scope="col">Site</th>
                <th scope="col">What happened</th>
              </tr>
            </thead>
            <tbody>
              {o.lapses.map((l) => (
                <tr>
                  <td>{when(l.at, tz)}</td>
                  <th scope="row">@{l.handle}</th>
                  <td>{l.url}</td>
                  <td>{LOSS_LABEL[l.state] ?? l.state}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <h2>Waiting for verification ({o.waitingTotal})</h2>
      {o.waiting.length === 0 ? (
        <p>No site is waiting.</p>
      ) : (
        <Scroll label="Sites waiting for verification">
          <table>
            <caption>
              Submitted sites not yet verified, oldest first{o.waitingTotal > o.waiting.length ? ` (first ${o.waiting.length} of ${o.waitingTotal})` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Submitted</th>
                <th scope="col">Partner</th>
                <th scope="col">Site</th>
                <th scope="col">Kind</th>
                <th scope="col">Role</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {o.waiting.map((w) => (
                <tr>
                  <td>{when(w.submittedAt, tz)}</td>
                  <th scope="row">@{w.handle}</th>
                  <td class="url">
                    <Linked text={w.url} />
                  </td>
                  <td>{sites.kindLabel[w.kind] ?? w.kind}</td>
                  <td>{w.role}</td>
                  <td>
                    <SiteAction to={to} csrf={csrf} action="verify" url={w.url} handle={w.handle} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <h2 id="sites">All sites ({sites.total})</h2>
      <SitesTable sites={sites} to={to} csrf={csrf} tz={tz} />
    </Layout>,
  );
}

/** The answers in the order the program asks its questions (the database keeps its own key order), then any others. */
function inQuestionOrder(a: PendingApplication): Array<[string, unknown]> {
  const asked = a.program.questions.map((q) => q.key).filter((k) => k in a.answers);
  const others = Object.keys(a.answers).filter((k) => !asked.includes(k));
  return [...asked, ...others].map((k) => [k, a.answers[k]]);
}

const WEB_ADDRESS = /(https?:\/\/[^\s,<>"]+)/g;

/** Member text with its web addresses as links (only http and https: nothing else becomes a link); the rest stays text. */
function Linked(props: { text: string }) {
  const parts = props.text.split(WEB_ADDRESS);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a href={part} rel="noopener noreferrer nofollow ugc">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </>
  );
}

/** The applicant's memberships and other applications, so a moderator sees who is asking before deciding. */
function ApplicantHistoryList(props: { history: ApplicantHistory; handle: string; tz: string }) {
  const { history, tz } = props;
  const day = (d: Date) => when(d, tz, "d LLL yyyy");
  return (
    <div class="history">
      <h3>@{props.handle} so far</h3>
      <ul>
        {history.memberships.length === 0 ? <li>No memberships.</li> : null}
        {history.memberships.map((m) => (
          <li>
            Member of {m.program}: {m.state}, since {day(m.joinedAt)}
            {m.endedAt ? `, ended ${day(m.endedAt)}` : ""}
          </li>
        ))}
        {history.applications.length === 0 ? <li>No other applications.</li> : null}
        {history.applications.map((a) => (
          <li>
            Applied to {a.program} on {day(a.createdAt)}: {a.state}
            {a.decidedAt ? ` on ${day(a.decidedAt)}` : ""}
            {a.reason ? <> (“{a.reason}”)</> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function applicationsPage(shell: Shell, queue: ApplicationQueue, notice?: { ok: boolean; text: string }): string {
  const csrf = shell.viewer?.csrf ?? "";
  const pending = queue.applications;
  const to = queue.page > 1 ? `/admin/applications?page=${queue.page}` : "/admin/applications";
  const first = (queue.page - 1) * APPLICATION_PAGE_SIZE + 1;
  return document(
    <Layout title="Applications" shell={{ ...shell, current: "applications" }}>
      <h1>Pending applications ({queue.total})</h1>
      <Notice notice={notice} />
      {queue.total === 0 ? <p>No applications are waiting for review.</p> : null}
      {queue.pages > 1 ? (
        <p>
          Oldest first: {first}–{first + pending.length - 1} of {queue.total}.
        </p>
      ) : null}
      {pending.map((a, i) => {
        const prompt = new Map(a.program.questions.map((q) => [q.key, q.prompt]));
        const id = `app-${i}`;
        return (
          <article class="application" aria-labelledby={`${id}-title`}>
            <h2 id={`${id}-title`}>
              {a.member.displayName} (@{a.member.handle}) applied to {a.program.name}
            </h2>
            <p class="muted">Applied {when(a.createdAt, shell.tz)}</p>
            <dl>
              {inQuestionOrder(a).map(([k, v]) => (
                <>
                  <dt>{prompt.get(k) ?? k}</dt>
                  <dd>
                    <Linked text={String(v)} />
                  </dd>
                </>
              ))}
            </dl>
            <ApplicantHistoryList history={a.history} handle={a.member.handle} tz={shell.tz} />
            <div class="actions">
              <form method="post" action={to}>
                <input type="hidden" name="csrf" value={csrf} />
                <input type="hidden" name="member" value={a.member.handle} />
                <input type="hidden" name="program" value={a.program.id} />
                <input type="hidden" name="decision" value="approve" />
                <button type="submit">Approve @{a.member.handle}</button>
              </form>
              <form method="post" action={to}>
                <input type="hidden" name="csrf" value={csrf} />
                <input type="hidden" name="member" value={a.member.handle} />
                <input type="hidden" name="program" value={a.program.id} />
                <input type="hidden" name="decision" value="reject" />
                <label for={`${id}-reason`}>Reason for rejecting (sent to the applicant)</label>
                <textarea id={`${id}-reason`} name="reason" rows={2} cols={40} maxlength={500} required></textarea>
                <button type="submit" class="danger">
                  Reject @{a.member.handle}
                </button>
              </form>
            </div>
          </article>
        );
      })}
      <Pager page={queue.page} pages={queue.pages} base="/admin/applications" />
    </Layout>,
  );
}

export function auditPage(shell: Shell, filter: AuditFilter, result: { entries: AuditEntry[]; older: number | undefined }, error?: string, actions: string[] = []): string {
  const query = (extra: Record<string, string>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ actor: filter.actor, action: filter.action, from: filter.from, to: filter.to, ...extra })) if (v) q.set(k, v);
    return `/admin/audit?${q.toString()}`;
  };
  return document(
    <Layout title="Audit log" shell={{ ...shell, current: "audit" }}>
      <h1>Audit log</h1>
      <form method="get" action="/admin/audit" class="filters" role="search" aria-label="Filter the audit log">
        <div>
          <label for="actor">Actor (handle)</label>
          <input id="actor" name="actor" value={filter.actor ?? ""} maxlength={64} />
        </div>
        <div>
          <label for="action">Action</label>
          <select id="action" name="action">
            <option value="">Any</option>
            {[...new Set([...actions, ...(filter.action ? [filter.action] : [])])].map((a) => (
              <option value={a} selected={filter.action === a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="from">From (day)</label>
          <input id="from" name="from" type="date" value={filter.from ?? ""} />
        </div>
        <div>
          <label for="to">To (day)</label>
          <input id="to" name="to" type="date" value={filter.to ?? ""} />
        </div>
        <button type="submit">Filter</button>
        <a href="/admin/audit">Clear</a>
        <a href={query({}).replace("/admin/audit?", "/admin/audit.csv?")}>Download CSV</a>
      </form>
      <Notice notice={error ? { ok: false, text: error } : undefined} />
      {result.entries.length === 0 ? (
        <p>No entries match.</p>
      ) : (
        <Scroll label="Audit entries">
          <table>
            <caption>Audit entries, newest first{filter.before ? " (older page)" : ""}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {result.entries.map((e) => (
                <tr>
                  <td>{when(e.at, shell.tz, "d LLL yyyy, HH:mm:ss")}</td>
                  <th scope="row">{e.actor}</th>
                  <td>{e.action}</td>
                  <td>{e.target ?? ""}</td>
                  <td>{e.outcome}</td>
                  <td>
                    <code>{e.details === null || e.details === undefined ? "" : JSON.stringify(e.details).slice(0, 300)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <nav class="pager" aria-label="Pages">
        {filter.before ? <a href={query({})}>Newest</a> : null}
        {result.older ? (
          <a href={query({ before: String(result.older) })} rel="next">
            Older entries
          </a>
        ) : null}
      </nav>
    </Layout>,
  );
}

export const LEADERBOARD_PERIODS = ["week", "month", "all"] as const;
export type LeaderboardPeriod = (typeof LEADERBOARD_PERIODS)[number];
const PERIOD_LABEL: Record<LeaderboardPeriod, string> = { week: "This week", month: "This month", all: "All time" };

export function leaderboardPage(shell: Shell, title: string, rows: LeaderboardRow[], period: LeaderboardPeriod = "all", tiers: readonly string[] = []): string {
  return document(
    <Layout title={`${title} leaderboard`} shell={{ tz: shell.tz }}>
      <h1>{title}: leaderboard</h1>
      <nav class="periods" aria-label="Which points count">
        <ul>
          {LEADERBOARD_PERIODS.map((p) => (
            <li>
              <a href={`/leaderboard?period=${p}`} {...(p === period ? { "aria-current": "page" as const } : {})}>
                {PERIOD_LABEL[p]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {rows.length ? (
        <LeaderTable rows={rows} tiers={tiers} caption={period === "all" ? "Partners by points" : `Partners by points earned ${PERIOD_LABEL[period].toLowerCase()}`} />
      ) : (
        <p>No partner has points {period === "all" ? "yet" : PERIOD_LABEL[period].toLowerCase()}.</p>
      )}
    </Layout>,
  );
}

/** A page for someone who is not signed in to the dashboard (a member back from Discord's Linked Roles). */
export function messagePage(shell: Shell, title: string, message: string): string {
  return document(
    <Layout title={title} shell={{ tz: shell.tz }}>
      <h1>{title}</h1>
      <p>{message}</p>
    </Layout>,
  );
}

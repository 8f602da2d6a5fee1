// The dashboard's one stylesheet, served from /admin/static/style.css so the
// Content-Security-Policy can forbid inline styles. Every status colour pairs
// a light background with dark text (contrast above 7:1), and every cell also
// carries its status as text, so colour is never the only signal.
export const STYLESHEET = `
:root { color-scheme: light dark; --ink: #1a1a1a; --muted: #4a4a4a; --line: #c4c4c4; --accent: #0b57a3; --bg: #fff; --head: #eef1f5; --band: #f5f7fa; --ok-bg: #eef8ee; --error-bg: #fdeeee; }
/* Dark mode follows the system's choice; status cells keep their light colours and dark text (the same 7:1 contrast). */
@media (prefers-color-scheme: dark) {
  :root { --ink: #e8e8e8; --muted: #b8b8b8; --line: #555; --accent: #8cc4ff; --bg: #16181c; --head: #23272e; --band: #1e2228; --ok-bg: #17301a; --error-bg: #3a1616; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, textarea:focus-visible, select:focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; z-index: 10; }
header.site { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--band); }
header.site .brand { font-weight: 700; font-size: 1.1rem; }
nav.main ul { list-style: none; display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: 0; padding: 0; }
nav.main a[aria-current="page"] { font-weight: 700; color: var(--ink); }
main { padding: 1rem 1.25rem 3rem; max-width: 100rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
.muted, caption .note { color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; caption-side: top; }
/* A table wider than the screen scrolls in its box; its caption stays in view and wraps, instead of running off with the table. */
.scroll > table > caption { position: sticky; left: 0; max-width: calc(100vw - 2.5rem); white-space: normal; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
thead th { background: var(--head); }
th[scope="row"] { font-weight: 500; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.scroll { overflow-x: auto; max-width: 100%; margin: .5rem 0 1rem; }
.scroll > table { margin: 0; }
.scroll:focus-visible { outline: 3px solid #f0a000; outline-offset: 2px; }
/* The member column stays in view while the weeks scroll under it. */
.grid th[scope="row"], .grid thead th:first-child { position: sticky; left: 0; z-index: 1; background: var(--bg); box-shadow: 1px 0 0 var(--line); }
.grid thead th:first-child { background: var(--head); }
.grid th[scope="row"] .muted { display: block; font-size: .85rem; }
form.report { margin-top: 1.5rem; }
.grid td.st { text-align: center; font-size: .85rem; white-space: nowrap; min-width: 5.2rem; }
.st-met { background: #cdeccf; color: #0a3d12; }
.st-on-track { background: #d6e6f7; color: #0b2f55; }
.st-at-risk { background: #fde7b0; color: #4d3500; }
.st-missed { background: #f7c6c6; color: #5c0a0a; font-weight: 700; }
.st-paused { background: #e4e4e4; color: #2b2b2b; font-style: italic; }
.st-not-yet-judged { background: #fff; color: #555; }
.tier { padding: 0 .4rem; border-radius: 3px; border: 1px solid var(--line); white-space: nowrap; }
.tier-0 { background: #e4e4e4; color: #2b2b2b; }
.tier-1 { background: #cdeccf; color: #0a3d12; }
.tier-2 { background: #d6e6f7; color: #0b2f55; }
.tier-3 { background: #e6d9f5; color: #3b1466; }
.tier-4 { background: #fde7b0; color: #4d3500; }
nav.periods ul { list-style: none; display: flex; gap: 1rem; padding: 0; margin: 0 0 1rem; }
nav.periods a[aria-current="page"] { font-weight: 700; color: var(--ink); }
.legend { display: flex; flex-wrap: wrap; gap: .5rem; list-style: none; padding: 0; margin: .5rem 0; }
.legend li { padding: .15rem .5rem; border: 1px solid var(--line); }
.flag { font-weight: 700; color: #5c0a0a; }
.pager { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: 1rem 0; }
form.inline { display: inline-flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .25rem 0; }
label { display: block; font-weight: 600; font-size: .9rem; }
textarea { max-width: 100%; width: 28rem; }
td code { overflow-wrap: anywhere; }
select { max-width: 100%; }
.filters > div { max-width: 100%; }
input, select, textarea { font: inherit; padding: .3rem .4rem; border: 1px solid #767676; border-radius: 3px; }
button { font: inherit; padding: .35rem .9rem; border-radius: 3px; border: 1px solid #1d4f86; background: #0b57a3; color: #fff; cursor: pointer; }
button.danger { background: #a31515; border-color: #7a0f0f; }
button.plain { background: var(--bg); color: var(--accent); border-color: var(--accent); }
.notice { padding: .75rem 1rem; border: 2px solid; margin: 1rem 0; white-space: pre-wrap; }
.notice.ok { border-color: #2e7d32; background: var(--ok-bg); }
.notice.error { border-color: #a31515; background: var(--error-bg); }
article.application { border: 1px solid var(--line); padding: .75rem 1rem; margin: 1rem 0; }
article.application dl { display: grid; grid-template-columns: minmax(8rem, 18rem) 1fr; gap: .25rem 1rem; }
article.application dt { font-weight: 600; }
article.application dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.history h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
.history ul { margin: 0 0 .75rem; padding-left: 1.25rem; }
.actions form { max-width: 100%; }
.actions { display: flex; flex-wrap: wrap; gap: 2rem; align-items: end; }
.row-actions { display: flex; flex-wrap: wrap; gap: .35rem; min-width: 9rem; }
.row-actions form.inline { margin: 0; }
td button { padding: .2rem .55rem; font-size: .9rem; white-space: nowrap; }
/* A site's address wraps (at its dots and slashes if need be) so the row's actions stay in view. */
th.url, td.url { white-space: normal; overflow-wrap: anywhere; min-width: 12rem; max-width: 24rem; }
.filters { display: flex; flex-wrap: wrap; gap: 1rem; align-items: end; }
@media (max-width: 40rem) {
  main { padding: .75rem .75rem 2rem; }
  header.site { padding: .5rem .75rem; }
  article.application { padding: .5rem .75rem; }
  article.application dl { grid-template-columns: 1fr; }
  article.application dd { margin-bottom: .5rem; }
  th[scope="row"] { white-space: normal; overflow-wrap: anywhere; }
  .grid th[scope="row"] { white-space: normal; min-width: 8rem; max-width: 11rem; overflow-wrap: anywhere; }
}
@media (prefers-color-scheme: dark) {
  .flag { color: #ff9d9d; }
  .st-not-yet-judged { background: var(--bg); color: var(--muted); }
}
`;

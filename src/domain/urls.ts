// Links as the programs compare them (a site's identity is src/domain/sites.ts):
// an activity's link (a video, a meetup page) keeps its query, since ?v=abc and
// ?v=abd are different videos, but not tracking tags.

/** An http(s) address with a dotted host name. */
export function isWebUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname.includes(".");
  } catch {
    return false;
  }
}

/** One spelling per activity link: no fragment, no utm_ tags, no trailing slash. */
export function normalizeLink(raw: string): string {
  const u = new URL(raw.trim());
  u.hash = "";
  for (const key of [...u.searchParams.keys()]) if (key.toLowerCase().startsWith("utm_")) u.searchParams.delete(key);
  if (u.pathname.length > 1 && u.pathname.endsWith("/")) u.pathname = u.pathname.replace(/\/+$/, "");
  return u.toString();
}

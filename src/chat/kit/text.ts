// Text that must fit a platform's limits, and tables as aligned text, for every renderer.

/**
 * `text` in at most `max` UTF-16 units (the unit the platforms' limits are checked in), with
 * "…" where it was cut. Never cuts a character in half: a lone surrogate is not valid text and
 * a platform may refuse the whole message for it.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** Rows under a header line and a rule, columns padded to their widest cell, two spaces apart. */
export function tabulate(columns: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  return [line(columns), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)];
}

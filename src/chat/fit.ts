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

/** A word longer than a whole line, in pieces: after a `|`, `,` or `/` where one is near enough, else at the width. */
function splitLong(word: string, width: number): string[] {
  const out: string[] = [];
  let rest = word;
  while (rest.length > width) {
    const window = rest.slice(0, width);
    const at = Math.max(window.lastIndexOf("|"), window.lastIndexOf(","), window.lastIndexOf("/"));
    const cut = at >= width / 2 ? at + 1 : width;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  return [...out, rest];
}

/**
 * A line broken into lines of at most `width` characters, at spaces; a word longer than the
 * width (a long address, a usage line's list of choices) is the only thing ever split, as
 * nothing else would fit. Spaces that indent the line are kept on its first piece.
 */
export function wrapWords(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = /^ */.exec(line)?.[0] ?? "";
  const out: string[] = [];
  let current = indent;
  const push = () => {
    if (current.trim()) out.push(current.trimEnd());
    current = "";
  };
  for (const word of line.slice(indent.length).split(/ +/)) {
    if (!word) continue;
    const sep = current.trim() ? " " : "";
    if (current.length + sep.length + word.length <= width) {
      current += sep + word;
      continue;
    }
    push();
    const pieces = splitLong(word, width);
    out.push(...pieces.slice(0, -1));
    current = pieces.at(-1) ?? "";
  }
  push();
  return out.length ? out : [""];
}

/**
 * `tabulate` that fits `width`: when the table is wider, each column keeps at least its longest
 * word and the remaining room goes to the columns that need it most; cells wrap at spaces inside
 * their column, so a row may take several lines. When even the longest words side by side are
 * too wide (a report's many columns), each row becomes a block of `column: value` lines.
 */
export function tabulateWithin(columns: readonly string[], rows: readonly (readonly string[])[], width: number): string[] {
  const natural = tabulate(columns, rows);
  if (natural.every((l) => l.length <= width)) return natural;
  const n = columns.length;
  const room = Math.max(n, width - 2 * (n - 1));
  const cells = (i: number) => [columns[i] ?? "", ...rows.map((r) => r[i] ?? "")];
  const full = columns.map((_, i) => Math.max(...cells(i).map((c) => c.length)));
  const longestWord = columns.map((_, i) => Math.max(1, ...cells(i).flatMap((c) => c.split(/ +/).map((w) => w.length))));
  const widths = longestWord.map((w, i) => Math.min(w, full[i] ?? w));
  if (widths.reduce((a, b) => a + b, 0) > room) return records(columns, rows, width);
  let spare = room - widths.reduce((a, b) => a + b, 0);
  // Then hand out what is left a character at a time, always to the narrowest column that is not
  // yet at its full width: short columns end up whole, and the long ones share the rest evenly.
  while (spare > 0) {
    let pick = -1;
    for (let i = 0; i < n; i++) {
      if ((widths[i] ?? 0) >= (full[i] ?? 0)) continue;
      if (pick < 0 || (widths[i] ?? 0) < (widths[pick] ?? 0)) pick = i;
    }
    if (pick < 0) break;
    widths[pick] = (widths[pick] ?? 0) + 1;
    spare--;
  }
  const rowLines = (cellsOfRow: readonly string[]) => {
    const wrapped = columns.map((_, i) => wrapWords(cellsOfRow[i] ?? "", widths[i] ?? 1));
    const height = Math.max(...wrapped.map((w) => w.length));
    return Array.from({ length: height }, (_, k) => wrapped.map((w, i) => (w[k] ?? "").padEnd(widths[i] ?? 0)).join("  ").trimEnd());
  };
  return [...rowLines(columns), widths.map((w) => "─".repeat(w)).join("  "), ...rows.flatMap(rowLines)];
}

/** Each row as `column: value` lines (values wrapped beside their labels), rows apart by a blank line. */
function records(columns: readonly string[], rows: readonly (readonly string[])[], width: number): string[] {
  const labels = Math.min(Math.max(...columns.map((c) => c.length)), Math.floor(width / 3));
  const room = width - labels - 2;
  return rows.flatMap((row, r) => [
    ...(r > 0 ? [""] : []),
    ...columns.flatMap((c, i) => {
      const label = `${c}:`;
      const lead = label.length > labels + 1 ? [label] : [];
      const first = lead.length ? " ".repeat(labels + 1) : label.padEnd(labels + 1);
      return [...lead, ...wrapWords(row[i] ?? "", room).map((l, k) => `${k === 0 ? first : " ".repeat(labels + 1)} ${l}`.trimEnd())];
    }),
  ]);
}

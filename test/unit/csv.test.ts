import { stringify } from "csv-stringify/sync";
import { describe, expect, it } from "vitest";
import { toCsv } from "../../src/chat/csv.ts";

describe("toCsv", () => {
  it("writes what csv-stringify writes with escape_formulas, quotes and formula starts included", () => {
    const records = [
      ["member", "name", "done", "note"],
      ["alice", "Alice, \"Al\" Smith", 3, ""],
      ["=cmd|' /C calc'!A0", "+1", -2, "-2"],
      ["@sum", "\ttab", 0, "\rcr"],
      ["\uFF1Dwide", "\uFF0Bplus", 1.5, "\uFF0Dminus"],
      ["\uFF20at", "line\nbreak", 12, "cr\r\nlf"],
      ["", "plain", 0, "a\"b"],
      ["ünïcödé 🙂", "'quoted'", 1e21, "x"],
    ];
    expect(toCsv(records)).toBe(stringify(records, { escape_formulas: true }));
  });

  it("is empty for no records", () => {
    expect(toCsv([])).toBe(stringify([], { escape_formulas: true }));
  });
});

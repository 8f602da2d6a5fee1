// The CSV imports read a line without a quote by splitting it at its commas instead of through csv-parse
// (src/adapters/partner-dashboard/import.ts, readCsv): for any such line the fields must be csv-parse's.
import fc from "fast-check";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { readCsv } from "../../src/adapters/partner-dashboard/import.ts";
import "../helpers/fast-check-seed.ts";

describe("readCsv", () => {
  it("reads a quote-free line as csv-parse does", () => {
    const field = fc.string({ unit: fc.constantFrom("a", "Z", "0", " ", "\t", ";", "-", "@", ".", "é", "\u00a0", "#", "'") });
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 9 }), (fields) => {
        const line = fields.join(",");
        fc.pre(line.trim() !== "");
        const [expected] = parse(line, { relax_column_count: true }) as string[][];
        expect(readCsv(`header\n${line}\n`)[1]?.fields).toEqual(expected);
      }),
    );
  });

  it("still reads a quoted field through csv-parse: a comma inside quotes is not a separator", () => {
    expect(readCsv('h\na,"b,c",d')[1]?.fields).toEqual(["a", "b,c", "d"]);
  });
});

// CSV for spreadsheets, byte for byte what csv-stringify writes with
// `escape_formulas: true` (a test holds them together), in one pass over the
// fields: a report of 10,000 members spent more time in csv-stringify's
// per-field option handling than in judging its members.

/** Starts a spreadsheet would read as a formula; "-" only on text (a negative number stays a number). */
const FORMULA_START = new Set(["=", "+", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"]);
const NEEDS_QUOTES = /[",\n\r]/;

function cell(field: string | number | null | undefined): string {
  if (field === null || field === undefined || field === "") return "";
  if (typeof field === "number") return String(field);
  const first = field[0] ?? "";
  const value = FORMULA_START.has(first) || first === "-" ? `'${field}` : field;
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Records as CSV: comma-separated, "\n" after every record, member text kept from being run as a formula. */
export function toCsv(records: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  let out = "";
  for (const record of records) {
    for (let i = 0; i < record.length; i++) {
      if (i > 0) out += ",";
      out += cell(record[i]);
    }
    out += "\n";
  }
  return out;
}

/** One field exactly as toCsv writes it, for a caller that writes its records line by line. */
export const csvField = cell;

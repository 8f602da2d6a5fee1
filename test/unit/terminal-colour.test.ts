// Colour in the terminal chat: only on a terminal, NO_COLOR and FORCE_COLOR honoured as Node reads
// them; titles and table headers bold, rules dim, a refusal's first line yellow, an apology's red.
import { describe, expect, it } from "vitest";
import { colourEnabled, colourise } from "../../src/adapters/console/colour.ts";

describe("terminal colour", () => {
  it("is on for a terminal, off for a pipe, and follows NO_COLOR and FORCE_COLOR", () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: false }, {})).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourEnabled({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(true);
  });

  it("makes titles and headers bold and rules dim, and leaves the words as they are", () => {
    const text = "Steward commands\n════════════════\n\ncommand  what it does\n───────  ────────────\n/help    List";
    const painted = colourise(text);
    expect(painted).toBe(
      "\x1b[1mSteward commands\x1b[0m\n\x1b[2m════════════════\x1b[0m\n\n\x1b[1mcommand  what it does\x1b[0m\n\x1b[2m───────  ────────────\x1b[0m\n/help    List",
    );
    // eslint-disable-next-line no-control-regex -- the escape sequences are what is taken out
    expect(painted.replace(/\x1b\[\d+m/g, "")).toBe(text);
    expect(colourise("Only moderators can do that.", "user-error")).toBe("\x1b[33mOnly moderators can do that.\x1b[0m");
    expect(colourise("Something went wrong (ref 1a2b).", "internal-error")).toBe("\x1b[31mSomething went wrong (ref 1a2b).\x1b[0m");
  });
});

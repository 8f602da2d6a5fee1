import { describe, expect, it } from "vitest";
import { atLeastShown, missedInARowLabels } from "../../src/chat/commitments.ts";

describe("commitment labels in replies", () => {
  it("names the repeat missers by the flagging threshold it is given", () => {
    expect(missedInARowLabels(2)).toEqual({
      field: "Missed 2+ weeks in a row",
      sentence: "Missed two or more weeks in a row",
      summary: "missed 2+ weeks in a row",
    });
    expect(missedInARowLabels(3).field).toBe("Missed 3+ weeks in a row");
    expect(missedInARowLabels(3).sentence).toBe("Missed three or more weeks in a row");
    expect(missedInARowLabels(1)).toEqual({ field: "Missed 1+ weeks in a row", sentence: "Missed one or more weeks in a row", summary: "missed 1+ weeks in a row" });
    expect(missedInARowLabels(20).sentence).toBe("Missed 20 or more weeks in a row");
  });

  it("shows a count that reaches back past the window as at least", () => {
    expect(atLeastShown(12, { capped: true }, 12)).toBe("12+");
    expect(atLeastShown(12, { capped: false }, 12)).toBe("12");
    expect(atLeastShown(3, { capped: true }, 12)).toBe("3");
    expect(atLeastShown(null, { capped: true }, 12)).toBe("—");
  });
});

// Which program one activity counts for: the rule /log and message counting share.
import { describe, expect, it } from "vitest";
import { programChoice } from "../../src/domain/activities.ts";

describe("programChoice", () => {
  it("counts for every program, naming none, when the kind is shared on purpose", () => {
    expect(programChoice(["velo", "editorx"], true)).toEqual({ counts: "all" });
    expect(programChoice([], true)).toEqual({ counts: "all" });
  });

  it("counts for the only program that could count it", () => {
    expect(programChoice(["velo"], false)).toEqual({ counts: "one", program: "velo" });
  });

  it("counts for none when no program could", () => {
    expect(programChoice([], false)).toEqual({ counts: "none" });
  });

  it("asks among several independent programs, in the order given", () => {
    expect(programChoice(["velo", "editorx"], false)).toEqual({ counts: "ask", among: ["velo", "editorx"] });
  });
});

// bin/steward.mjs runs the compiled dist/ only while no source it was built from changed.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// @ts-expect-error a plain .mjs module without types
import { distIsCurrent } from "../../src/core/dist-current.mjs";

describe("distIsCurrent", () => {
  let root: string;
  const builtAt = Date.parse("2026-12-01T12:00:00Z");
  const at = (iso: string) => new Date(iso);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "steward-dist-"));
    mkdirSync(join(root, "src"));
    mkdirSync(join(root, "dist"));
    for (const f of ["src/a.ts", "src/b.ts"]) {
      writeFileSync(join(root, f), "export {};\n");
      utimesSync(join(root, f), at("2026-12-01T11:00:00Z"), at("2026-12-01T11:00:00Z"));
    }
    writeFileSync(join(root, "dist", "build.json"), JSON.stringify({ builtAt, inputs: ["src/a.ts", "src/b.ts"] }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("is current while every input is older than the build", () => {
    expect(distIsCurrent(root)).toBe(true);
  });

  it("is stale once a source is edited after the build", () => {
    utimesSync(join(root, "src/b.ts"), at("2026-12-01T12:00:01Z"), at("2026-12-01T12:00:01Z"));
    expect(distIsCurrent(root)).toBe(false);
  });

  it("is stale when a source it was built from is gone, or there is no build", () => {
    rmSync(join(root, "src/a.ts"));
    expect(distIsCurrent(root)).toBe(false);
    rmSync(join(root, "dist", "build.json"));
    expect(distIsCurrent(root)).toBe(false);
  });
});

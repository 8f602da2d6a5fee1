#!/usr/bin/env node
// Runs the compiled dist/ (built by `npm ci` / `npm run build`) when it is
// current: every source file it was built from is older than the build. After
// an edit to src/ (or without a build) it runs the TypeScript sources through
// tsx instead, so nobody runs stale code; `npm run build` makes starts fast again.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "/");

function distIsCurrent() {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(`${root}dist/build.json`, "utf8"));
    return inputs.length > 0 && inputs.every((file) => statSync(root + file).mtimeMs < builtAt);
  } catch {
    return false; // no build, or a source it listed is gone
  }
}

if (process.env.STEWARD_FROM_SOURCE !== "1" && distIsCurrent()) {
  await import("../dist/cli.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli.ts");
}

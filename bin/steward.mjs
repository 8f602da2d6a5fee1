#!/usr/bin/env node
// Runs the compiled dist/ (built by `npm ci` / `npm run build`) when it is
// current: every source file it was built from is older than the build. After
// an edit to src/ (or without a build) it runs the TypeScript sources through
// tsx instead, so nobody runs stale code; `npm run build` makes starts fast again.
import { join } from "node:path";
import { distIsCurrent } from "../src/core/dist-current.mjs";

if (process.env.STEWARD_FROM_SOURCE !== "1" && distIsCurrent(join(import.meta.dirname, ".."))) {
  await import("../dist/cli.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli.ts");
}

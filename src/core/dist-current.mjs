// Whether dist/ (scripts/build.mjs) may run: it lists every source file it was
// built from and when the build started; one of them newer, or gone, means an
// edit since the build, and the sources must run instead. Both launchers ask it:
// the process's (bin/steward.mjs) and the drawing thread's (src/chat/pictures/thread.mjs).
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** `root`: the checkout (the folder holding dist/ and src/). */
export function distIsCurrent(root) {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(root, "dist", "build.json"), "utf8"));
    return inputs.length > 0 && inputs.every((file) => statSync(join(root, file)).mtimeMs < builtAt);
  } catch {
    return false; // no build, or a source it listed is gone
  }
}

// The drawing thread's entry. It runs what the process runs (bin/steward.mjs decides the same way): the
// compiled dist/ while it is current, else the TypeScript sources through tsx, so the thread never draws
// with stale code and a start from dist/ does not load tsx again just for the thread.
import { join } from "node:path";
import { distIsCurrent } from "../../core/dist-current.mjs";

if (process.env.STEWARD_FROM_SOURCE !== "1" && distIsCurrent(join(import.meta.dirname, "..", "..", ".."))) {
  await import("../../../dist/pictures-worker.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./worker.ts");
}

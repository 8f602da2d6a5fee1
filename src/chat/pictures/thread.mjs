// The drawing thread's entry: registers tsx (as bin/steward.mjs does) so the thread runs the TypeScript sources.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");

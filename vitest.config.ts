import { defineConfig } from "vitest/config";
import { LongestFirst } from "./test/sequencer.ts";

// Three projects, by folder: `npm test -- --project unit` runs the pure ones in seconds. The other two
// share one migrated database of each kind per run (test/global-setup.ts) and lend each worker its
// own copy (test/helpers/file-databases.ts).
const withDatabases = { globalSetup: ["test/global-setup.ts"], setupFiles: ["test/helpers/file-databases.ts"] };

export default defineConfig({
  test: {
    // Property tests run from a fixed seed (FC_SEED overrides it).
    setupFiles: ["test/helpers/fast-check-seed.ts"],
    // Generous: e2e tests start real processes and databases on a 2-core machine; tests never assert timings.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Three workers on 2 cores: a worker often waits on a child process, PostgreSQL or Redis. Measured on the
    // whole suite: 196 s with two, 141 s with three, the same CPU time (load average 10-13 beside it).
    maxWorkers: 3,
    // WebAssembly (PGlite, Prisma's query compiler) from V8's baseline compiler only: TurboFan's compiling
    // of the hot wasm functions, on background threads, costs more CPU than its faster code saves even in
    // a worker that runs file after file (one worker through five e2e files: 40.5 s of CPU with it, 36.0 s
    // without; seven integration files: 43.8 s, 38.1 s). The processes the tests spawn do the same
    // (test/helpers/cli.ts), and the global setup (test/global-setup.ts).
    execArgv: ["--liftoff-only"],
    // A worker runs file after file without loading Prisma, PGlite, Bolt and discord.js again for each
    // (a third less CPU), and keeps its databases. No test relies on a fresh module: none mocks a module,
    // each restores its spies and listeners, and every runtime starts on an emptied database.
    isolate: false,
    // The longest files first, so the run does not end on one of them (test/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { extends: true, test: { name: "integration", include: ["test/integration/**/*.test.ts"], ...withDatabases } },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], ...withDatabases } },
    ],
  },
});

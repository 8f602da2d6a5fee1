import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Property tests run from a fixed seed (FC_SEED overrides it).
    setupFiles: ["test/helpers/fast-check-seed.ts"],
    // Generous: e2e tests start real processes and databases on a 2-core machine; tests never assert timings.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // PGlite instances are memory-hungry WASM: keep parallelism modest on 2 cores.
    maxWorkers: 2,
  },
});

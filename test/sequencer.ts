// The order files start in (vitest.config.ts): the longest first within each project, so the run does
// not end on one long file while the other workers idle. Vitest orders by the durations it cached from
// the last run, or by file size when there is none (CI installs afresh): neither knows that a short
// file can spawn a dozen processes. The projects stay apart (e2e, integration, unit, as vitest orders
// them): a worker is kept for the next file only when it is of the same project.
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Measured the longest (whole suite, issue 23), longest first; a file not listed keeps vitest's order after these. */
const LONGEST = [
  "test/e2e/operator.test.ts",
  "test/e2e/cli.test.ts",
  "test/e2e/backfill.test.ts",
  "test/e2e/data-folder.test.ts",
  "test/e2e/backfill-cli.test.ts",
  "test/e2e/dashboard-seen.test.ts",
  "test/e2e/dashboard.test.ts",
  "test/e2e/shared-database.test.ts",
  "test/e2e/dashboard-queries.test.ts",
  // One long property run in a single test each: started last, it alone would make the run's end.
  "test/integration/history-property.test.ts",
  "test/integration/merge.test.ts",
  "test/integration/import-members.test.ts",
  "test/integration/import.test.ts",
  "test/integration/outage.test.ts",
  "test/integration/jobs.test.ts",
  "test/integration/programs-seed.test.ts",
  "test/integration/command-integrity.test.ts",
  "test/unit/commitments.test.ts",
];

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);

    const rank = (spec: TestSpecification) => {
      const at = LONGEST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
      return at === -1 ? LONGEST.length : at;
    };
    // Runs of one project, each reordered on its own (Array.prototype.sort is stable).
    const runs: TestSpecification[][] = [];
    for (const spec of sorted) {
      const last = runs.at(-1);
      if (last?.[0]?.project === spec.project) last.push(spec);
      else runs.push([spec]);
    }
    return runs.flatMap((run) => run.sort((a, b) => rank(a) - rank(b)));
  }
}

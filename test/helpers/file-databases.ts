// A setup file of the projects that use databases: each test file keeps its databases from its first
// test to its last and closes them at its end (test/helpers/test-databases.ts).
import { afterAll } from "vitest";
import { lendPerFile } from "./test-databases.ts";

lendPerFile(afterAll);

// A setup file of the projects that use databases: their tests borrow the worker's databases
// instead of creating one each (test/helpers/test-databases.ts).
import { lendPerWorker } from "./test-databases.ts";

lendPerWorker();

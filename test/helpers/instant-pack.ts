// The shipped program pack with quiet hours and DM batching off, written to a temporary file for
// STEWARD_PROGRAMS: every DM is then one message at any hour, so a run that counts messages (bench
// cluster, drill scale) counts what it sent.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { DEFAULT_PACK_PATH } from "../../src/programs/load.ts";

/** The path of the written pack; `prefix` names its temporary folder. */
export function instantDeliveryPack(prefix: string): string {
  const pack = parse(readFileSync(DEFAULT_PACK_PATH, "utf8")) as Record<string, unknown>;
  delete pack.quietHours;
  pack.batchMinutes = 0;
  const file = join(mkdtempSync(join(tmpdir(), prefix)), "pack.yaml");
  writeFileSync(file, stringify(pack));
  return file;
}

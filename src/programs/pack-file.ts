// Where the shipped pack lives and how a wrong pack is refused: apart from the
// loader (load.ts), so a start whose pack the build already checked
// (runtime.ts) never loads the YAML parser and the loader at all.
import { fileURLToPath } from "node:url";

export const DEFAULT_PACK_PATH = fileURLToPath(new URL("./wix.yaml", import.meta.url));

export class PackError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`The program pack ${file} is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "PackError";
  }
}

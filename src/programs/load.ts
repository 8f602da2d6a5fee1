// Loads the program pack: the seed's (wix.yaml beside this file) or an
// operator's own YAML/JSON file. An invalid file is refused with the path of
// every wrong field, so the operator can fix it without reading code. A text
// (`texts`, `partner.templates`) an operator's file leaves out is the seed's,
// so a pack written before a text existed keeps loading and can override any.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { packSchema, type Pack } from "../domain/pack.ts";
import { DEFAULT_PACK_PATH, PackError } from "./pack-file.ts";

export { DEFAULT_PACK_PATH, PackError };

export function parsePack(text: string, file: string): Pack {
  let raw: unknown;
  try {
    raw = extname(file) === ".json" ? JSON.parse(text) : parseYaml(text, { merge: true });
  } catch (err) {
    throw new PackError(file, [`cannot be parsed: ${(err as Error).message}`]);
  }
  const result = packSchema.safeParse(file === DEFAULT_PACK_PATH ? raw : withSeedTexts(raw));
  if (!result.success) {
    throw new PackError(
      file,
      result.error.issues.map((issue) => `${issue.path.length ? issue.path.join(".") : "(top level)"}: ${issue.message}`),
    );
  }
  return result.data;
}

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

let seedRaw: Raw | undefined;
function seed(): Raw {
  seedRaw ??= parseYaml(readFileSync(DEFAULT_PACK_PATH, "utf8"), { merge: true }) as Raw;
  return seedRaw;
}

/** `mine` over `theirs`, key by key at every depth; anything else of mine is left for the schema to judge. */
function over(mine: unknown, theirs: unknown): unknown {
  if (mine === undefined) return theirs;
  if (!isObject(mine) || !isObject(theirs)) return mine;
  const keys = new Set([...Object.keys(theirs), ...Object.keys(mine)]);
  return Object.fromEntries([...keys].map((k) => [k, over(mine[k], theirs[k])]));
}

/** The operator's texts over the seed's; anything that is not a pack-shaped object is left for the schema to refuse. */
function withSeedTexts(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  const s = seed();
  const out: Raw = { ...raw, texts: over(raw.texts, s.texts) };
  const partner = raw.partner;
  const seedPartner = s.partner as Raw;
  if (isObject(partner)) out.partner = { ...partner, templates: over(partner.templates, seedPartner.templates) };
  return out;
}

export function loadPack(file: string = DEFAULT_PACK_PATH): Pack {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new PackError(file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  return parsePack(text, file);
}

// The migrations and schema.prisma must describe the same database: every
// model's table, every field's column with its nullability, and every
// @@unique/@@index. A migration forgotten after a schema edit fails here.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/client.ts";
import { migrate } from "../../src/store/migrate.ts";
import { unmigratedPglite } from "../helpers/test-databases.ts";

interface FieldSpec {
  column: string;
  nullable: boolean;
}
interface ModelSpec {
  table: string;
  fields: FieldSpec[];
  uniques: string[][];
  indexes: string[][];
}

const SCALARS = new Set(["String", "Int", "Float", "Boolean", "DateTime", "Json", "BigInt", "Decimal", "Bytes"]);

/** A small reader of schema.prisma: enough for models, scalar fields, @map, @@map, @@unique and @@index. */
function readSchema(text: string): Map<string, ModelSpec> {
  const models = new Map<string, ModelSpec>();
  for (const m of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    const name = m[1] as string;
    const body = m[2] as string;
    const spec: ModelSpec = { table: /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? name, fields: [], uniques: [], indexes: [] };
    const columnOf = new Map<string, string>();
    for (const line of body.split("\n")) {
      const f = /^\s+(\w+)\s+(\w+)(\?|\[\])?\s*(.*)$/.exec(line);
      if (!f || line.trim().startsWith("//") || line.trim().startsWith("@@")) continue;
      const [, field, type, modifier, rest] = f as unknown as [string, string, string, string | undefined, string];
      if (!SCALARS.has(type)) continue;
      const column = /@map\("([^"]+)"\)/.exec(rest)?.[1] ?? field;
      columnOf.set(field, column);
      // A scalar list (String[]) is a Postgres array column that Prisma creates without NOT NULL.
      spec.fields.push({ column, nullable: modifier === "?" || modifier === "[]" });
    }
    const cols = (list: string) => list.split(",").map((x) => columnOf.get(x.trim()) ?? x.trim());
    for (const u of body.matchAll(/@@unique\(\[([^\]]+)\]/g)) spec.uniques.push(cols(u[1] as string));
    for (const u of body.matchAll(/@@index\(\[([^\]]+)\]/g)) spec.indexes.push(cols(u[1] as string));
    for (const line of body.split("\n")) {
      const single = /^\s+(\w+)\s+\w+\??\s.*@unique/.exec(line);
      if (single?.[1]) spec.uniques.push([columnOf.get(single[1]) ?? single[1]]);
    }
    models.set(name, spec);
  }
  return models;
}

describe("migrations agree with schema.prisma", () => {
  let store: Store;
  const models = readSchema(readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8"));

  beforeAll(async () => {
    store = await unmigratedPglite();
    await migrate(store.sql);
  });
  afterAll(() => store.close());

  it("reads every model of the schema", () => {
    expect(models.size).toBeGreaterThanOrEqual(19);
    expect(models.get("LedgerEntry")?.table).toBe("ledger_entries");
  });

  it("has a table for every model and no table without one", async () => {
    const tables = await store.sql.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    expect(tables.map((t) => t.table_name).sort()).toEqual([...models.values()].map((m) => m.table).sort());
  });

  it("has every field's column, with the same nullability, and no extra columns", async () => {
    const columns = await store.sql.query<{ table_name: string; column_name: string; is_nullable: "YES" | "NO" }>(
      `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    for (const model of models.values()) {
      const actual = columns.filter((c) => c.table_name === model.table).map((c) => `${c.column_name}:${c.is_nullable === "YES" ? "null" : "not null"}`).sort();
      const expected = model.fields.map((f) => `${f.column}:${f.nullable ? "null" : "not null"}`).sort();
      expect(actual, model.table).toEqual(expected);
    }
  });

  it("has every unique constraint and index the schema declares", async () => {
    const indexes = await store.sql.query<{ tablename: string; indexdef: string }>(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'`);
    // Key columns only: a covering index's INCLUDE list (the report's progress scan) is the migration's, schema.prisma cannot say it.
    const defs = (table: string) => indexes.filter((i) => i.tablename === table).map((i) => i.indexdef.replace(/ INCLUDE \([^)]*\)$/, ""));
    for (const model of models.values()) {
      for (const cols of model.uniques) {
        const want = `(${cols.join(", ")})`;
        expect(defs(model.table).some((d) => d.startsWith("CREATE UNIQUE INDEX") && d.endsWith(want)), `${model.table} unique ${want}`).toBe(true);
      }
      for (const cols of model.indexes) {
        const want = `(${cols.join(", ")})`;
        expect(defs(model.table).some((d) => d.endsWith(want)), `${model.table} index ${want}`).toBe(true);
      }
    }
  });
});

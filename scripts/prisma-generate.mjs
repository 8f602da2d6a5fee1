#!/usr/bin/env node
// Generates the Prisma client (src/generated/prisma). The Prisma CLI wants its
// schema-engine binary at start and downloads it when missing; `generate` never
// uses it, so offline we point it at any executable (node itself).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const cli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [cli, "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);

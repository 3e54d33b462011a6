import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

// ARCHITECTURE.md: core/ is SCIM itself and depends on no framework, database driver or outer layer.
const ROOT = resolve(import.meta.dir, "../..");
const CORE = join(ROOT, "src/core");
const FORBIDDEN_PACKAGES = [/^elysia(\/|$)/, /^@elysiajs\//, /^drizzle-orm(\/|$)/, /^bun:sqlite$/];
const FORBIDDEN_DIRS = ["src/storage", "src/http", "src/cli"];

const SPECIFIER = [
  /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Every module specifier a source file imports, re-exports or requires. */
function specifiersOf(source: string): string[] {
  return SPECIFIER.flatMap((re) => [...source.matchAll(re)].map((m) => m[1] ?? ""));
}

function violation(file: string, specifier: string): string | undefined {
  if (FORBIDDEN_PACKAGES.some((re) => re.test(specifier))) return specifier;
  if (!specifier.startsWith(".")) return undefined;
  const target = relative(ROOT, resolve(dirname(file), specifier)).replaceAll("\\", "/");
  return FORBIDDEN_DIRS.some((d) => target === d || target.startsWith(`${d}/`)) ? specifier : undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]sx?$/.test(e.name) ? [path] : [];
  });
}

describe("core purity", () => {
  const fakeFile = join(CORE, "resource/example.ts");
  test.each([
    ['import { Elysia } from "elysia";', true],
    ["import { t } from 'elysia/type-system';", true],
    ['import { bearer } from "@elysiajs/bearer";', true],
    ['import { eq } from "drizzle-orm";', true],
    ['import { sqliteTable } from "drizzle-orm/sqlite-core";', true],
    ['import type {\n  Database,\n} from "bun:sqlite";', true],
    ['export { db } from "../../storage/db.ts";', true],
    ['const h = await import("../../http/app.ts");', true],
    ['const c = require("../../cli/serve.ts");', true],
    ['import "../../storage/side-effect.ts";', true],
    ['import { USER } from "../schema/registry.ts";', false],
    ['import { x } from "./storage-free.ts";', false],
    ['import { x } from "elysian";', false],
    ['import { x } from "../../config/schema.ts";', false],
  ])("detector: %p -> %p", (source, forbidden) => {
    const found = specifiersOf(source).filter((s) => violation(fakeFile, s) !== undefined);
    expect(found.length > 0).toBe(forbidden);
  });

  test("src/core imports no elysia, drizzle-orm, bun:sqlite, @elysiajs/* or src/storage|http|cli", () => {
    const files = sourceFiles(CORE);
    expect(files.length).toBeGreaterThan(0);
    const violations = files.flatMap((file) =>
      specifiersOf(readFileSync(file, "utf8"))
        .filter((s) => violation(file, s) !== undefined)
        .map((s) => `${relative(ROOT, file)} imports "${s}"`),
    );
    expect(violations).toEqual([]);
  });
});

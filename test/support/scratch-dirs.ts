// Temporary folders for one test file, removed after its tests (call at the top level of the file).
import { afterAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Returns a function that makes a new folder named scimd-PREFIX-*; every one is deleted after the file's tests. */
export function scratchDirs(prefix: string): () => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), `scimd-${prefix}-`));
    dirs.push(d);
    return d;
  };
}

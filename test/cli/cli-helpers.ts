// In-process CLI runs: main(argv, io) with captured stdout/stderr lines, an explicit env and cwd.
import { expect } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/main.ts";

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

export async function run(argv: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(...l.split("\n")), err: (l) => err.push(...l.split("\n")), env: opts.env ?? {}, cwd: opts.cwd ?? tmpdir() });
  return { code, out, err };
}

export interface Workspace {
  dir: string;
  /** scimd.toml in dir, pointing [storage] path at dir/scimd.db. */
  config: string;
  db: string;
  /** Runs main with --config pointing at this workspace's file and cwd = dir. */
  run(argv: string[], env?: Record<string, string>): Promise<CliRun>;
  cleanup(): void;
}

export function workspace(extraToml = ""): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "scimd-cli-"));
  const db = join(dir, "scimd.db");
  const config = join(dir, "scimd.toml");
  writeFileSync(config, `[storage]\npath = ${JSON.stringify(db)}\n\n${extraToml}\n`);
  return {
    dir,
    config,
    db,
    run: (argv, env = {}) => run([...argv, "--config", config], { env, cwd: dir }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** One sentence on stderr: a single line, prefixed "scimd: ", ending with a full stop, no stack frame. */
export function expectOneSentence(err: string[]): void {
  const lines = err.filter((l) => l !== "");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^scimd: \S.*[.)]$/);
  // A second sentence ("... '--x'. To specify ...") makes it two.
  expect(lines[0]).not.toMatch(/\.['"]?\s+[A-Z]/);
  expect(lines.join("\n")).not.toContain("    at ");
}

// In-process CLI runs: main(argv, io) with captured stdout/stderr lines, an explicit env and cwd.
import { Database } from "bun:sqlite";
import { afterAll, expect } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/main.ts";
import { acquireServerLock } from "../../src/storage/server-lock.ts";

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

/** A `workspace` maker for one test file: every workspace it made is removed after the file's tests. */
export function workspaces(): (extraToml?: string) => Workspace {
  const made: Workspace[] = [];
  afterAll(() => {
    for (const w of made) w.cleanup();
  });
  return (extraToml = "") => {
    const w = workspace(extraToml);
    made.push(w);
    return w;
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

/**
 * The workspace's database as a running server leaves it: open in WAL mode (so its -wal and -shm exist), the
 * server lock held, and a folder `links` holding `via`, a symlink to the workspace's folder. `column` is read
 * with the database's integrity checked; `release` undoes it all.
 */
export function liveDatabase(ws: Workspace): { links: string; column: (sql: string) => unknown[]; release: () => void } {
  const reader = new Database(ws.db);
  reader.exec("PRAGMA journal_mode = WAL");
  reader.query("SELECT count(*) FROM sqlite_master").get();
  const lock = acquireServerLock(ws.db)!;
  const links = mkdtempSync(join(tmpdir(), "scimd-links-"));
  symlinkSync(ws.dir, join(links, "via"));
  return {
    links,
    column: (sql) => {
      const db = new Database(ws.db, { readonly: true });
      try {
        expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
        return (db.query(sql).values() as unknown[][]).map((r) => r[0]);
      } finally {
        db.close();
      }
    },
    release: () => {
      lock.release();
      reader.close();
      rmSync(links, { recursive: true, force: true });
    },
  };
}

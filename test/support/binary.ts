// End-to-end harness: the compiled binary (dist/scimd), built once per test run, started on a free port
// with a temporary config and database.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
export const BINARY = join(ROOT, "dist/scimd");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/scimd unless it is newer than every file under src/ and drizzle/. */
export function ensureBinary(): string {
  const stale = !existsSync(BINARY) || statSync(BINARY).mtimeMs < Math.max(newestSource(join(ROOT, "src")), newestSource(join(ROOT, "drizzle")));
  if (stale) {
    const r = spawnSync(process.execPath, ["run", "scripts/build.ts"], { cwd: ROOT, stdio: "pipe", encoding: "utf8" });
    if (r.status !== 0) throw new Error(`build failed: ${r.stderr}`);
  }
  return BINARY;
}

export function freePort(): number {
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

export interface RunningServer {
  url: string;
  baseUrl: string;
  port: number;
  dir: string;
  configPath: string;
  token: string;
  process: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Runs a CLI command of the same binary against the same config. */
  cli(args: string[]): { status: number | null; stdout: string; stderr: string };
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  cleanup(): void;
}

/** Starts the binary with `extraToml` appended to a config that sets the port and a temp database. */
export async function startServer(
  extraToml = "",
  opts: { dir?: string; env?: Record<string, string>; /** Leave the database without a token when none was printed. */ noToken?: boolean } = {},
): Promise<RunningServer> {
  const bin = ensureBinary();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "scimd-e2e-"));
  const port = freePort();
  const configPath = join(dir, "scimd.toml");
  writeFileSync(configPath, `[server]\nhost = "127.0.0.1"\nport = ${port}\n\n[storage]\npath = "${join(dir, "scimd.db")}"\n\n${extraToml}\n`);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const child = spawn(bin, ["serve", "--config", configPath], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...(opts.env ?? {}) } });
  child.stdout!.setEncoding("utf8").on("data", (d: string) => stdout.push(...d.split("\n").filter(Boolean)));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => stderr.push(...d.split("\n").filter(Boolean)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    const failure = child.exitCode !== null ? `scimd exited with ${child.exitCode}` : Date.now() > deadline ? "scimd did not start" : null;
    if (failure) {
      // A server that did not start leaves nothing behind: no process, no temp directory.
      if (child.exitCode === null) child.kill("SIGKILL");
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
      throw new Error(`${failure}: ${stderr.join("\n")}`);
    }
    await Bun.sleep(50);
  }
  const cli = (args: string[]) => {
    const r = spawnSync(bin, [...args, "--config", configPath], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  let token = stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)?.[0];
  if (!token && !opts.noToken) {
    const created = cli(["token", "create", "--name", `e2e-${Date.now()}`]);
    token = created.stdout.trim().split("\n").at(-1)!;
  }
  return {
    url,
    baseUrl: `${url}/scim`,
    port,
    dir,
    configPath,
    token: token ?? "",
    process: child,
    stdout,
    stderr,
    cli,
    stop(signal: NodeJS.Signals = "SIGTERM") {
      return new Promise((res) => {
        if (child.exitCode !== null) return res(child.exitCode);
        child.once("exit", (code) => res(code));
        child.kill(signal);
      });
    },
    cleanup() {
      if (child.exitCode === null) child.kill("SIGKILL");
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

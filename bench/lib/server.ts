// Starts the compiled binary on 127.0.0.1 with its own temp directory and database, and a token made
// with `scimd token create` (its last stdout line).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINARY, ensureBinary, freePort } from "../../test/support/binary.ts";

export interface BenchServer {
  readonly url: string;
  /** The SCIM base, http://127.0.0.1:PORT/scim */
  readonly baseUrl: string;
  readonly pid: number;
  readonly token: string;
  readonly dir: string;
  readonly dbPath: string;
  readonly process: ChildProcess;
  /** Server-side durationMs of each request logged so far (with captureDurations). */
  readonly durations: number[];
  stop(): Promise<void>;
  cleanup(): void;
}

export interface StartOptions {
  /** An existing directory (its scimd.db is used as it is); a new temp directory otherwise. */
  dir?: string;
  extraToml?: string;
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Keep the server's own durationMs of every logged request (read from its JSON log on stdout). */
  captureDurations?: boolean;
}

/** `npm run build` unless dist/scimd is newer than src/ and drizzle/. */
export function buildBinary(): string {
  return ensureBinary();
}

export function writeConfig(dir: string, port: number, opts: StartOptions = {}): string {
  const configPath = join(dir, "scimd.toml");
  writeFileSync(
    configPath,
    `[server]\nhost = "127.0.0.1"\nport = ${port}\n\n[storage]\npath = "${join(dir, "scimd.db")}"\n\n[logging]\nlevel = "${opts.logLevel ?? "info"}"\n\n${opts.extraToml ?? ""}\n`,
  );
  return configPath;
}

export function createToken(configPath: string, dir: string, name = `bench-${Date.now()}`): string {
  const r = spawnSync(BINARY, ["token", "create", "--name", name, "--config", configPath], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
  if (r.status !== 0) throw new Error(`scimd token create failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1)!.trim();
}

export async function startBenchServer(opts: StartOptions = {}): Promise<BenchServer> {
  buildBinary();
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "scimd-bench-"));
  const port = freePort();
  const configPath = writeConfig(dir, port, opts);
  const token = createToken(configPath, dir);
  const stderr: string[] = [];
  // stdout (one JSON log line per request) goes to /dev/null: the server still formats and writes it.
  const child = spawn(BINARY, ["serve", "--config", configPath], { cwd: dir, stdio: ["ignore", opts.captureDurations ? "pipe" : "ignore", "pipe"], env: { PATH: process.env.PATH ?? "", ...(process.env.SCIMD_BUN_OPTIONS ? { BUN_OPTIONS: process.env.SCIMD_BUN_OPTIONS } : {}) } });
  const durations: number[] = [];
  if (opts.captureDurations) {
    let rest = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      const lines = (rest + d).split("\n");
      rest = lines.pop()!;
      for (const line of lines) {
        const m = line.includes('"msg":"request"') ? line.match(/"durationMs":([0-9.]+)/) : null;
        if (m) durations.push(Number(m[1]));
      }
    });
  }
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr.push(d), process.env.BENCH_SERVER_STDERR && process.stderr.write(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`scimd exited with ${child.exitCode}: ${stderr.join("")}`);
    if (Date.now() > deadline) throw new Error(`scimd did not start within 30 s: ${stderr.join("")}`);
    await Bun.sleep(25);
  }
  // A bench stopped with Ctrl-C (or SIGTERM) still stops its server and removes its temp directory.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  for (const signal of ["SIGINT", "SIGTERM"] as const) if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(130));
  return {
    url,
    baseUrl: `${url}/scim`,
    pid: child.pid!,
    token,
    dir,
    dbPath: join(dir, "scimd.db"),
    process: child,
    durations,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        child.once("exit", () => (clearTimeout(timer), res()));
        child.kill("SIGTERM");
      }),
    cleanup() {
      process.removeListener("exit", onExit);
      onExit();
    },
  };
}

// The Dockerfile, checked without a container engine: its stages, and the binary run the way the image runs
// it (only SCIMD_* variables, a read-only working directory, the database under a /data-like folder).
import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureBinary, freePort, startScimd, tempDir, type Proc } from "./support.ts";

const ROOT = resolve(import.meta.dir, "../..");
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const stages = dockerfile.split(/^FROM /m).slice(1).map((s) => "FROM " + s);
const instr = (stage: string, name: string) => stage.split("\n").filter((l) => l.startsWith(name + " ")).map((l) => l.slice(name.length + 1).trim());

test("the build stage installs with npm ci and runs the project's build", () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  const build = stages[0]!;
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { build: string } };
  expect(pkg.scripts.build).toBeDefined();
  expect(instr(build, "RUN").some((r) => r.startsWith("npm ci"))).toBe(true);
  expect(instr(build, "RUN").some((r) => r.includes("npm run build"))).toBe(true);
  expect(instr(build, "COPY").some((c) => c.includes("package-lock.json"))).toBe(true);
});

test("the final stage holds only the binary, runs as non-root, exposes 8080, has a volume and a healthcheck", () => {
  const final = stages.at(-1)!;
  expect(instr(final, "COPY").some((c) => c.startsWith("--from=build") && c.includes("dist/scimd"))).toBe(true);
  expect(instr(final, "COPY").every((c) => c.startsWith("--from=build"))).toBe(true);
  const user = instr(final, "USER").at(-1)!;
  expect(user).toBeDefined();
  expect(user.split(":")[0]).not.toMatch(/^(root|0)$/);
  expect(instr(final, "EXPOSE")).toContain("8080");
  expect(instr(final, "VOLUME")).toContain("/data");
  expect(final).toMatch(/SCIMD_STORAGE_PATH=\/data\/scimd\.db/);
  expect(instr(final, "HEALTHCHECK").at(-1)).toContain('"healthcheck"');
});

const dirs: string[] = [];
let proc: Proc | undefined;
afterAll(async () => {
  await proc?.stop("SIGKILL");
  for (const d of dirs) {
    chmodSync(d, 0o755);
    rmSync(d, { recursive: true, force: true });
  }
});

test("the binary serves with the image's environment from a read-only working directory", async () => {
  const bin = ensureBinary();
  const root = tempDir("docker");
  dirs.push(root);
  const data = join(root, "data");
  const work = join(root, "etc-scimd");
  mkdirSync(data);
  mkdirSync(work);
  chmodSync(work, 0o555);
  // As root a 0555 folder is still writable: run as the image's "nonroot" user (65532) when we can.
  const uid = process.getuid?.() === 0 ? 65532 : undefined;
  chmodSync(root, 0o755);
  if (uid !== undefined) chownSync(data, uid, uid);
  const port = freePort();
  const env = { SCIMD_STORAGE_PATH: join(data, "scimd.db"), SCIMD_SERVER_PORT: String(port), SCIMD_SERVER_HOST: "0.0.0.0" };
  proc = await startScimd({ args: ["serve"], cwd: work, env, port, uid });
  const token = proc.stderr.join("\n").match(/scimd_[A-Za-z0-9_-]+/)![0];
  expect((await fetch(`${proc.url}/healthz`)).status).toBe(200);
  const r = await fetch(`${proc.url}/scim/Users`, { headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(200);
  const started = JSON.parse(proc.stdout[0]!);
  // No file: the variables are the configuration, and the start line says which (never their values).
  expect(started.config).toBe("built-in defaults and SCIMD_SERVER_HOST, SCIMD_SERVER_PORT, SCIMD_STORAGE_PATH");
  if (uid !== undefined) expect(spawnSync("touch", [join(work, "probe")], { uid, gid: uid }).status).not.toBe(0); // really read-only for it
  const hc = spawnSync(bin, ["healthcheck"], { cwd: work, env: { ...env }, encoding: "utf8", uid, gid: uid });
  expect(hc.stderr).toBe("");
  expect(hc.status).toBe(0);
  expect(await proc.stop("SIGTERM")).toBe(0);
  const down = spawnSync(bin, ["healthcheck"], { cwd: work, env: { ...env }, encoding: "utf8" });
  expect(down.status).toBe(1);
  expect(down.stderr).toContain("did not answer");
  // A configuration it cannot read is unhealthy (1) too: Docker reserves exit code 2 of a health check.
  const broken = spawnSync(bin, ["healthcheck"], { cwd: work, env: { ...env, SCIMD_SERVER_PORT: "eighty" }, encoding: "utf8" });
  expect(broken.stderr).toContain("SCIMD_SERVER_PORT");
  expect(broken.status).toBe(1);
});

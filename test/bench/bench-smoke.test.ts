// `npm run bench` is what the README's figures come from: a tiny run must go through every phase of the
// Entra-shaped workload without an error and print each row. No timing is asserted (these machines are noisy).
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { ensureBinary, ROOT } from "../support/binary.ts";

test("npm run bench runs every phase (groups and the seeded lookup at a small size) against the compiled binary with no error", () => {
  ensureBinary();
  const r = spawnSync(process.execPath, ["run", "bench/run.ts", "--users", "60", "--warmup", "20", "--latency-requests", "200", "--group-members", "2000", "--million", "2000"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(r.status).toBe(0);
  const rows = r.stdout.split("\n").filter((l) => l.startsWith("| "));
  const phases = ["create", "lookup", "patch", "disable", "latency", "page", "delete", "memory", "grp fill", "grp +1000", "grp -1", "grp GET-m", "grp GET", "1M lookup"];
  for (const phase of phases) {
    const row = rows.find((l) => l.startsWith(`| ${phase} |`));
    expect(row, `no row for the ${phase} phase in:\n${r.stdout}`).toBeDefined();
    // The Errors column (the tenth) is 0 in every phase.
    expect(row!.split("|")[10]!.trim()).toBe("0");
  }
  expect(r.stdout).not.toContain("NaN");
  expect(r.stdout).toMatch(/CPU server \d+\.\d\d s, client \d+\.\d\d s/);
}, 120_000);

// `npm run bench:floor`: what the stack itself reaches on this machine under the bench's own workload, client
// and concurrency, with none of scimd's work: bench/floor-server.ts (Bun.serve, bun:sqlite, the same tables'
// pages and the same group commit acknowledged after fdatasync). It bounds what any server on this stack, with
// this durability rule, can measure here: a goal above the floor cannot be met by making scimd faster.
//
//   npm run bench:floor -- [--users 10000] [--concurrency 16] [--warmup 8000]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { pool, ScimClient } from "./lib/http.ts";
import { machineDescription } from "./lib/proc.ts";
import { markdownTable, phaseMeter, printRow, type Row } from "./lib/report.ts";
import { fmt, Recorder } from "./lib/stats.ts";
import { entraPatch, entraUser, lookupPath, userNameOf } from "./lib/users.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    users: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "16" },
    warmup: { type: "string", default: "8000" },
  },
  strict: true,
});
const USERS = Number(values.users);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);
for (const [name, n, min] of [["--users", USERS, 1], ["--concurrency", CONCURRENCY, 1], ["--warmup", WARMUP, 0]] as const) {
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} takes a whole number >= ${min}.`);
}

const machine = machineDescription();
console.log(`stack floor — ${machine.nproc} × ${machine.cpu}, ${machine.memory} RAM, ${machine.kernel}, Bun ${machine.bun}`);
console.log(`users ${fmt(USERS)}, concurrency ${CONCURRENCY}, warm-up ${fmt(WARMUP)} users\n`);

const dir = mkdtempSync(join(tmpdir(), "scimd-floor-"));
const child = spawn(process.execPath, [join(import.meta.dir, "floor-server.ts"), dir], { stdio: ["ignore", "pipe", "inherit"] });
const port = await new Promise<number>((resolve, reject) => {
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    const m = /ready (\d+)/.exec(out);
    if (m) resolve(Number(m[1]));
  });
  child.on("exit", (code) => reject(new Error(`the floor server exited (${code}) before it was ready`)));
});

const client = new ScimClient(`http://127.0.0.1:${port}/scim`, "none");
const rows: Row[] = [];
const run = Date.now().toString(36);
try {
  const createUser = async (rec: Recorder | null, tag: string, i: number): Promise<string | undefined> => {
    const found = await client.call(rec, "GET", lookupPath(userNameOf(tag, i)));
    if (rec && !found.text.includes('"totalResults":0')) rec.error(`lookup of new user ${i} found something`);
    const created = await client.call(rec, "POST", "/Users", entraUser(tag, i));
    return created.status === 201 ? (JSON.parse(created.text) as { id: string }).id : undefined;
  };

  // The bench's warm-up (bench/run.ts): the same requests on other users, not measured, so that both servers
  // are measured with their JavaScript compiled.
  if (WARMUP > 0) {
    const tag = `w${run}`;
    await pool(WARMUP, CONCURRENCY, async (i) => {
      const id = await createUser(null, tag, i);
      if (!id) return;
      await client.call(null, "GET", `/Users/${id}`);
      await client.call(null, "GET", lookupPath(userNameOf(tag, i)));
      await client.call(null, "PATCH", `/Users/${id}`, entraPatch(tag, i, 1));
    });
  }

  const ids: string[] = [];
  const phase = async (name: string, detail: string, goal: string, n: number, task: (rec: Recorder, i: number) => Promise<void>, users: (done: number) => number, figure: (r: { rps: number; ups: number }) => string) => {
    const rec = new Recorder();
    const meter = phaseMeter(child.pid!);
    const r = await pool(n, CONCURRENCY, (i) => task(rec, i));
    const row = meter.finish(name, detail, rec, users(r.done), r.elapsedMs, goal, figure);
    rows.push(row);
    printRow(row);
  };
  await phase("create", `filter lookup + POST, ${CONCURRENCY} conns`, "scimd's >= 5,000 users/s", USERS, async (rec, i) => {
    const id = await createUser(rec, run, i);
    if (id) ids[i] = id;
  }, (done) => done, ({ ups }) => `${fmt(ups)} users/s`);
  await phase("lookup", `userName eq + GET by id, ${CONCURRENCY} conns`, "scimd's >= 20,000 req/s", USERS * 2, async (rec, k) => {
    const i = k >> 1;
    if (k & 1) await client.call(rec, "GET", `/Users/${ids[i]}`);
    else await client.call(rec, "GET", lookupPath(userNameOf(run, i)));
  }, (done) => done / 2, ({ rps }) => `${fmt(rps)} req/s`);
  await phase("patch", `3 Replace ops, ${CONCURRENCY} conns`, "scimd's >= 8,000 PATCH/s", USERS, async (rec, i) => {
    await client.call(rec, "PATCH", `/Users/${ids[i]}`, entraPatch(run, i, 1));
  }, (done) => done, ({ rps }) => `${fmt(rps)} PATCH/s`);

  console.log(`\n### Stack floor (${new Date().toISOString().slice(0, 10)}; \`npm run bench:floor -- --users ${USERS} --concurrency ${CONCURRENCY}\`)\n`);
  console.log(markdownTable(rows));
} finally {
  client.close();
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
  rmSync(dir, { recursive: true, force: true });
}

// `npm run bench`: the compiled binary on 127.0.0.1 with a fresh database, driven with an Entra ID-shaped
// workload over keep-alive connections; then the 100,000-member group (bench/groups.ts) and a query on
// 1,000,000 users seeded straight into SQLite.
//
//   npm run bench -- --users 10000 --concurrency 16 [--phases create,lookup,patch,disable,latency,page,delete]
//                    [--warmup 8000]
//                    [--groups | --no-groups] [--group-members 100000] [--million 1000000 | --no-million]
//                    [--log-level info]
//
// Profiling the server under this load: SCIMD_BUN_OPTIONS="--cpu-prof-md --cpu-prof-dir=/tmp/prof" npm run bench …
// (passed to the binary as BUN_OPTIONS; the profile is written when the server stops). BENCH_SERVER_STDERR=1
// shows the server's standard error (temporary instrumentation, warnings) while the bench runs.
import { parseArgs } from "node:util";
import { runGroupsBench } from "./groups.ts";
import { pool, ScimClient } from "./lib/http.ts";
import { machineDescription, mb, peakRssOf, rssOf } from "./lib/proc.ts";
import { markdownTable, phaseMeter, printRow, type Row } from "./lib/report.ts";
import { seedUsers } from "./lib/seed.ts";
import { buildBinary, startBenchServer } from "./lib/server.ts";
import { fmt, ms, Recorder } from "./lib/stats.ts";
import { entraDisable, entraPatch, entraUser, lookupPath, userNameOf } from "./lib/users.ts";

const ALL_PHASES = ["create", "lookup", "patch", "disable", "latency", "page", "delete"] as const;
type Phase = (typeof ALL_PHASES)[number];

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    users: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "16" },
    phases: { type: "string" },
    groups: { type: "boolean", default: false },
    "no-groups": { type: "boolean", default: false },
    "group-members": { type: "string", default: "100000" },
    million: { type: "string", default: "1000000" },
    "no-million": { type: "boolean", default: false },
    "log-level": { type: "string", default: "info" },
    "latency-requests": { type: "string", default: "20000" },
    warmup: { type: "string", default: "8000" },
  },
  strict: true,
});

const USERS = Number(values.users);
const CONCURRENCY = Number(values.concurrency);
const LOG_LEVEL = values["log-level"] as "info";
const onlyGroups = values.groups && !values.phases;
const phases = new Set<Phase>(
  onlyGroups ? [] : values.phases ? (values.phases.split(",").map((p) => p.trim()) as Phase[]) : ALL_PHASES,
);
for (const p of phases) if (!ALL_PHASES.includes(p)) throw new Error(`Unknown phase "${p}"; use ${ALL_PHASES.join(", ")}.`);
if (!Number.isInteger(USERS) || USERS < 1 || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) throw new Error("--users and --concurrency take whole numbers >= 1.");
if (!Number.isInteger(Number(values.warmup)) || Number(values.warmup) < 0) throw new Error("--warmup takes a whole number >= 0.");

const machine = machineDescription();
const machineLine = `${machine.nproc} × ${machine.cpu}, ${machine.memory} RAM, ${machine.kernel}, Bun ${machine.bun}`;
console.log(`scimd bench — ${machineLine}`);
console.log(`users ${fmt(USERS)}, concurrency ${CONCURRENCY}, phases ${[...phases].join(",") || "(none)"}, server log level ${LOG_LEVEL}\n`);

const t0 = performance.now();
buildBinary();
console.log(`binary ready (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

const rows: Row[] = [];
const run = Date.now().toString(36);
const PHASE_DEADLINE_MS = 300_000;

async function mainWorkload(): Promise<void> {
  if (phases.size === 0) return;
  const server = await startBenchServer({ logLevel: LOG_LEVEL });
  const client = new ScimClient(server.baseUrl, server.token);
  const ids: string[] = new Array(USERS);
  const show = (r: Row) => (rows.push(r), printRow(r));
  try {
    console.log(`server pid ${server.pid} on ${server.url}, RSS at start ${mb(rssOf(server.pid))}`);

    // Warm-up, not measured: the same requests on other users, so that the phases measure a server whose
    // JavaScript is compiled (Bun's JIT compiles a hot path in tiers, after some thousands of calls, on
    // threads that share the two cores), as it is after minutes in service. 2,000 users (10,000 requests)
    // were not enough: the JIT threads still ran through the create phase, and with 8,000 the same binary
    // measured create 3,756-3,866 against 3,286-3,418 users/s and PATCH 5,540-5,614 against 4,736-4,866/s
    // (alternating runs). The warm-up users stay in the database.
    const warm = Number(values.warmup);
    if (warm > 0) {
      const started = performance.now();
      const warmRun = `w${run}`;
      await pool(warm, CONCURRENCY, async (i) => {
        const userName = userNameOf(warmRun, i);
        await client.call(null, "GET", lookupPath(userName));
        const created = await client.call(null, "POST", "/Users", entraUser(warmRun, i));
        const id = created.status === 201 ? (JSON.parse(created.text) as { id: string }).id : undefined;
        if (!id) return;
        await client.call(null, "GET", `/Users/${id}`);
        await client.call(null, "GET", lookupPath(userName));
        await client.call(null, "PATCH", `/Users/${id}`, entraPatch(warmRun, i, 1));
      }, PHASE_DEADLINE_MS);
      console.log(`warm-up: ${fmt(warm)} users, ${fmt(warm * 5)} requests in ${((performance.now() - started) / 1000).toFixed(1)} s (not measured)`);
    }

    // create: Entra looks the user up by userName (expects none), then POSTs it. Always run: the rest need users.
    {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const r = await pool(USERS, CONCURRENCY, async (i) => {
        const userName = userNameOf(run, i);
        const found = await client.call(rec, "GET", lookupPath(userName));
        if (found.status === 200 && !found.text.includes('"totalResults":0')) rec.error(`lookup of new user ${userName} found something`);
        const created = await client.call(rec, "POST", "/Users", entraUser(run, i));
        if (created.status === 201) ids[i] = (JSON.parse(created.text) as { id: string }).id;
      }, PHASE_DEADLINE_MS);
      const row = meter.finish("create", `filter lookup + POST, ${CONCURRENCY} conns`, rec, r.done, r.elapsedMs, ">= 5,000 users/s", ({ ups }) => `${fmt(ups)} users/s`);
      if (phases.has("create")) show(row);
    }
    const live: string[] = [];
    // The user number of each live id (its userName), looked up in O(1): an ids.indexOf per request cost the
    // load generator tens of µs per request of the latency phase, on the server's cores.
    const liveNumber: number[] = [];
    ids.forEach((id, n) => id && (live.push(id), liveNumber.push(n)));
    if (live.length < USERS) console.log(`  (only ${live.length} of ${USERS} users were created)`);
    const idOf = (i: number) => live[i % live.length]!;
    const nameIndexOf = (i: number) => liveNumber[i % live.length]!;

    if (phases.has("lookup")) {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const r = await pool(live.length * 2, CONCURRENCY, async (k) => {
        const i = k >> 1;
        if (k & 1) await client.call(rec, "GET", `/Users/${idOf(i)}`, undefined, (s) => s === 404);
        else await client.call(rec, "GET", lookupPath(userNameOf(run, i)));
      }, PHASE_DEADLINE_MS);
      show(meter.finish("lookup", `userName eq + GET by id, ${CONCURRENCY} conns`, rec, r.done / 2, r.elapsedMs, ">= 20,000 req/s", ({ rps }) => `${fmt(rps)} req/s`));
    }

    if (phases.has("patch")) {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const r = await pool(live.length, CONCURRENCY, (i) => client.call(rec, "PATCH", `/Users/${idOf(i)}`, entraPatch(run, i, 1)).then(() => undefined), PHASE_DEADLINE_MS);
      show(meter.finish("patch", `3 Replace ops, ${CONCURRENCY} conns`, rec, r.done, r.elapsedMs, ">= 8,000 PATCH/s", ({ rps }) => `${fmt(rps)} PATCH/s`));
    }

    if (phases.has("disable")) {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const r = await pool(live.length, CONCURRENCY, (i) => client.call(rec, "PATCH", `/Users/${idOf(i)}`, entraDisable).then(() => undefined), PHASE_DEADLINE_MS);
      show(meter.finish("disable", `Replace active "False", ${CONCURRENCY} conns`, rec, r.done, r.elapsedMs, ">= 8,000 PATCH/s", ({ rps }) => `${fmt(rps)} PATCH/s`));
    }

    if (phases.has("latency")) {
      // 64 connections, Entra's steady-state mix: 40% lookup by userName, 40% GET by id, 20% PATCH.
      const n = Math.min(Number(values["latency-requests"]), Math.max(live.length * 2, 1000));
      // Each kind of request is recorded apart as well, to show which of them make the tail.
      const byKind = { filter: new Recorder(), GET: new Recorder(), PATCH: new Recorder() };
      const meter = phaseMeter(server.pid);
      const r = await pool(n, 64, async (k) => {
        const i = (k * 7919) % live.length;
        const kind = k % 5;
        if (kind < 2) await client.call(byKind.filter, "GET", lookupPath(userNameOf(run, nameIndexOf(i))));
        else if (kind < 4) await client.call(byKind.GET, "GET", `/Users/${idOf(i)}`);
        else await client.call(byKind.PATCH, "PATCH", `/Users/${idOf(i)}`, entraPatch(run, nameIndexOf(i), 2));
      }, PHASE_DEADLINE_MS);
      const rec = new Recorder();
      for (const kind of Object.values(byKind)) rec.absorb(kind);
      show(meter.finish("latency", "mix 40% filter, 40% GET, 20% PATCH, 64 conns", rec, 0, r.elapsedMs, "p99 < 20 ms", () => `p99 ${ms(rec.percentiles(99)[0]!)} ms`));
      console.log(
        `    by kind: ${Object.entries(byKind)
          .map(([name, kr]) => `${name} p50 ${ms(kr.percentiles(50)[0]!)} p99 ${ms(kr.percentiles(99)[0]!)} ms`)
          .join(" | ")}`,
      );
    }

    if (phases.has("page")) {
      // Sequential paging, as Entra's and Okta's full imports do.
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const started = performance.now();
      let seen = 0;
      let total = Infinity;
      for (let start = 1; start <= total && performance.now() - started < PHASE_DEADLINE_MS; start += 100) {
        const reply = await client.call(rec, "GET", `/Users?startIndex=${start}&count=100`);
        if (reply.status !== 200) break;
        const page = JSON.parse(reply.text) as { totalResults: number; Resources: unknown[] };
        total = page.totalResults;
        seen += page.Resources.length;
        if (page.Resources.length === 0) break;
      }
      const elapsed = performance.now() - started;
      if (seen < live.length) rec.error(`paging returned ${seen} users, expected at least ${live.length}`);
      const per100k = (elapsed / Math.max(1, seen)) * 100_000;
      show(meter.finish("page", `count=100, sequential, ${fmt(seen)} users`, rec, seen, elapsed, "100,000 users < 5 s", () => `${(elapsed / 1000).toFixed(2)} s (${(per100k / 1000).toFixed(1)} s per 100k at this size)`));
    }

    const rssWithUsers = rssOf(server.pid);
    const peak = peakRssOf(server.pid);

    if (phases.has("delete")) {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const r = await pool(live.length, CONCURRENCY, (i) => client.call(rec, "DELETE", `/Users/${live[i]}`).then(() => undefined), PHASE_DEADLINE_MS);
      show(meter.finish("delete", `DELETE, ${CONCURRENCY} conns`, rec, r.done, r.elapsedMs, "–", ({ rps }) => `${fmt(rps)} DELETE/s`));
    }
    console.log(`  server RSS with ${fmt(live.length)} users: ${mb(rssWithUsers)} (peak ${mb(peak)}); goal < 150 MB with 100,000 users`);
    rows.push({
      phase: "memory",
      detail: `server RSS with ${fmt(live.length)} users (peak VmHWM ${mb(peak)})`,
      requests: 0,
      users: live.length,
      elapsedMs: NaN,
      p50: NaN,
      p95: NaN,
      p99: NaN,
      errors: 0,
      rss: rssWithUsers,
      cpuSeconds: NaN,
      clientCpuSeconds: NaN,
      goal: "< 150 MB at 100,000 users",
      figure: mb(rssWithUsers),
      errorSamples: [],
    });
  } finally {
    client.close();
    await server.stop();
    server.cleanup();
  }
}

/** filter=userName eq on 1,000,000 users seeded straight into SQLite: p50 of 1,000 sequential requests. */
async function millionCheck(n: number): Promise<void> {
  const dirRun = `m${run}`;
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "scimd-bench-1m-"));
  console.log(`\nseeding ${fmt(n)} users into SQLite (bun:sqlite, 20,000-row transactions) ...`);
  const seeded = seedUsers(join(dir, "scimd.db"), dirRun, 0, n, { keepIds: false, minimal: true });
  console.log(`  seeded in ${(seeded.elapsedMs / 1000).toFixed(1)} s`);
  const server = await startBenchServer({ dir, logLevel: "info", captureDurations: true });
  const client = new ScimClient(server.baseUrl, server.token);
  try {
    const rec = new Recorder();
    const meter = phaseMeter(server.pid);
    const started = performance.now();
    let misses = 0;
    for (let k = 0; k < 1000; k++) {
      const i = (k * 104_729) % n;
      const r = await client.call(rec, "GET", lookupPath(userNameOf(dirRun, i)));
      if (!r.text.includes('"totalResults":1')) misses++;
    }
    const elapsed = performance.now() - started;
    if (misses) rec.error(`${misses} lookups did not find their user`);
    await Bun.sleep(100);
    const server50 = [...server.durations].slice(-1000).sort((a, b) => a - b)[499];
    const row = meter.finish("1M lookup", `userName eq on ${fmt(n)} users, sequential`, rec, 0, elapsed, "(report)", () => `p50 ${ms(rec.percentiles(50)[0]!)} ms round trip, ${ms(server50 ?? NaN)} ms in server`);
    rows.push(row);
    printRow(row);
  } finally {
    client.close();
    await server.stop();
    server.cleanup();
    (await import("node:fs")).rmSync(dir, { recursive: true, force: true });
  }
}

await mainWorkload();
const groupsWanted = !values["no-groups"] && (values.groups || !values.phases);
if (groupsWanted) {
  console.log("\ngroups (bench/groups.ts):");
  rows.push(...(await runGroupsBench({ members: Number(values["group-members"]), logLevel: LOG_LEVEL })));
}
const millionWanted = !values["no-million"] && !values.phases && !values.groups;
if (millionWanted) await millionCheck(Number(values.million));

console.log(`\n### Benchmark (${new Date().toISOString().slice(0, 10)}; \`npm run bench -- --users ${USERS} --concurrency ${CONCURRENCY}\`)\n`);
console.log(`Machine: ${machineLine}. Client and server on the same machine over 127.0.0.1; server log level ${LOG_LEVEL}.\n`);
console.log(markdownTable(rows));
console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const failed = rows.reduce((n, r) => n + r.errors, 0);
if (failed) console.log(`\n${failed} unexpected responses (see "error:" lines above).`);

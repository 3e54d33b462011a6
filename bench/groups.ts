// One group of 100,000 members: PATCH adding 1,000 members, PATCH removing one, GET without members, full GET.
// Seeding: the users are written straight into SQLite (bench/lib/seed.ts, the rows the repository writes for a
// created user, ~2-3 s for 101,000), because 101,000 POSTs would take most of the time budget; the group and
// its first 100,000 members go through the API (POST, then PATCH "Add" of 1,000 members per request).
//
//   bun run bench/groups.ts [--members 100000]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GROUP_SCHEMA, PATCH_OP_SCHEMA } from "../src/core/schema/urns.ts";
import { ScimClient } from "./lib/http.ts";
import { mb, rssOf } from "./lib/proc.ts";
import { markdownTable, phaseMeter, printRow, type Row } from "./lib/report.ts";
import { seedUsers } from "./lib/seed.ts";
import { startBenchServer } from "./lib/server.ts";
import { fmt, ms, Recorder } from "./lib/stats.ts";

const addMembers = (ids: readonly string[]) => ({
  schemas: [PATCH_OP_SCHEMA],
  Operations: [{ op: "Add", path: "members", value: ids.map((value) => ({ value })) }],
});

export async function runGroupsBench(opts: { members?: number; logLevel?: "info" | "warn" | "debug" | "error" } = {}): Promise<Row[]> {
  const members = opts.members ?? 100_000;
  const extra = 1_000;
  const run = `g${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), "scimd-bench-groups-"));
  const seeded = seedUsers(join(dir, "scimd.db"), run, 0, members + extra);
  console.log(`  seeded ${fmt(members + extra)} users into SQLite in ${(seeded.elapsedMs / 1000).toFixed(1)} s`);
  const server = await startBenchServer({ dir, logLevel: opts.logLevel ?? "info" });
  const client = new ScimClient(server.baseUrl, server.token, 120_000);
  const rows: Row[] = [];
  try {
    const created = await client.call(null, "POST", "/Groups", { schemas: [GROUP_SCHEMA], displayName: `Bench ${run}`, externalId: run });
    if (created.status !== 201) throw new Error(`group create failed: ${created.status} ${created.text}`);
    const groupId = (JSON.parse(created.text) as { id: string }).id;
    const path = `/Groups/${groupId}`;

    // Fill to `members` through the API, 1,000 per PATCH.
    const fill = new Recorder();
    const fillMeter = phaseMeter(server.pid);
    const fillStart = performance.now();
    for (let i = 0; i < members && performance.now() - fillStart < 300_000; i += 1000)
      await client.call(fill, "PATCH", path, addMembers(seeded.ids.slice(i, Math.min(members, i + 1000))));
    const fillRow = fillMeter.finish("grp fill", `${fmt(members)} members, PATCH Add 1,000/request, sequential`, fill, members, performance.now() - fillStart, "(seeding)", ({ ups }) => `${fmt(ups)} members/s`);
    rows.push(fillRow);
    printRow(fillRow);

    const single = (phase: string, detail: string, goal: string, rec: Recorder, elapsed: number, meter: ReturnType<typeof phaseMeter>, figure: string) => {
      const row = meter.finish(phase, detail, rec, 0, elapsed, goal, () => figure);
      rows.push(row);
      printRow(row);
    };

    {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const t = performance.now();
      await client.call(rec, "PATCH", path, addMembers(seeded.ids.slice(members, members + extra)));
      const elapsed = performance.now() - t;
      single("grp +1000", `PATCH Add 1,000 members to ${fmt(members)}`, "< 1 s", rec, elapsed, meter, `${ms(elapsed)} ms`);
    }
    {
      // Entra's removal: path "members" with the member in value. 20 sequential removals, one member each.
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const t = performance.now();
      // Twenty distinct members, spread over the group at any size (at a small one k * 997 ran past the end,
      // and those removals named no member at all).
      const step = Math.max(1, Math.floor(members / 20));
      for (let k = 0; k < 20; k++)
        await client.call(rec, "PATCH", path, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: "Remove", path: "members", value: [{ value: seeded.ids[k * step]! }] }] });
      const [p50, max] = rec.percentiles(50, 100);
      single("grp -1", "PATCH Remove 1 member (20 requests)", "< 10 ms", rec, performance.now() - t, meter, `p50 ${ms(p50!)} ms, max ${ms(max!)} ms`);
    }
    {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const t = performance.now();
      for (let k = 0; k < 20; k++) await client.call(rec, "GET", `${path}?excludedAttributes=members`);
      const [p50, max] = rec.percentiles(50, 100);
      single("grp GET-m", "GET ?excludedAttributes=members (20 requests)", "< 5 ms", rec, performance.now() - t, meter, `p50 ${ms(p50!)} ms, max ${ms(max!)} ms`);
    }
    {
      const rec = new Recorder();
      const meter = phaseMeter(server.pid);
      const t = performance.now();
      let size = 0;
      let count = 0;
      for (let k = 0; k < 3; k++) {
        const r = await client.call(rec, "GET", path);
        size = r.text.length;
        if (r.status === 200) count = (JSON.parse(r.text) as { members?: unknown[] }).members?.length ?? 0;
      }
      const [p50, max] = rec.percentiles(50, 100);
      single("grp GET", `full GET, ${fmt(count)} members, ${(size / 1048576).toFixed(1)} MB body (3 requests)`, "< 2 s, RSS < 200 MB", rec, performance.now() - t, meter, `p50 ${ms(p50!)} ms, max ${ms(max!)} ms, RSS ${mb(rssOf(server.pid))}`);
    }
  } finally {
    client.close();
    await server.stop();
    server.cleanup();
    const { rmSync } = await import("node:fs");
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Bun.argv.slice(2), options: { members: { type: "string", default: "100000" } }, strict: true });
  const rows = await runGroupsBench({ members: Number(values.members) });
  console.log("\n" + markdownTable(rows));
}

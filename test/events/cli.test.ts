// `scimd events` (filters, --json, --failed, --follow) and `scimd users export`, reading a database that an
// in-process app writes through another connection (as while the server runs).
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { directoryJson } from "../../src/cli/users.ts";
import { USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { main } from "../../src/main.ts";
import { ensureBinary, type RunningServer } from "../support/binary.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { allEvents, group, patchOp, user, waitFor } from "./helpers.ts";

let bin: string;
beforeAll(() => {
  bin = ensureBinary();
}, 120_000);

const apps: TestApp[] = [];
const children: ReturnType<typeof spawn>[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill("SIGKILL");
  for (const t of apps.splice(0)) t.close();
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

interface Env {
  t: TestApp;
  config: string;
  dir: string;
  run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }>;
  exec(args: string[]): Promise<{ status: number; stdout: string; stderr: string }>;
}

/** An app on a temp database, and a config file for the CLI pointing at the same database. */
async function env(): Promise<Env> {
  const t = await createTestApp();
  apps.push(t);
  const dir = join(t.config.storage.path, "..");
  const config = join(dir, "cli.toml");
  writeFileSync(config, `[storage]\npath = ${JSON.stringify(t.config.storage.path)}\n`);
  return {
    t,
    config,
    dir,
    async run(argv) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main([...argv, "--config", config], { out: (l) => out.push(...l.split("\n")), err: (l) => err.push(...l.split("\n")), env: {}, cwd: dir });
      return { code, out: out.filter((l) => l !== ""), err: err.filter((l) => l !== "") };
    },
    async exec(args) {
      const p = Bun.spawn([bin, ...args, "--config", config], { cwd: dir, env: { PATH: process.env.PATH ?? "" }, stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
      return { status, stdout, stderr };
    },
  };
}

/** alice, bob (in a group), a title change for alice, bob deactivated, a failed request. */
async function workload(t: TestApp): Promise<{ alice: string; bob: string; gid: string }> {
  const a = await t.json("POST", "/scim/Users", user("alice@example.com", { title: "Engineer" }));
  const b = await t.json("POST", "/scim/Users", user("bob@example.com"));
  const g = await t.json("POST", "/scim/Groups", group("Staff", { members: [{ value: a.body.id }, { value: b.body.id }] }));
  expect([a.status, b.status, g.status]).toEqual([201, 201, 201]);
  expect((await t.json("PATCH", `/scim/Users/${a.body.id}`, patchOp({ op: "replace", path: "title", value: "Manager" }))).status).toBe(200);
  expect((await t.json("PATCH", `/scim/Users/${b.body.id}`, patchOp({ op: "replace", path: "active", value: "False" }))).status).toBe(200);
  expect((await t.json("GET", "/scim/Users/does-not-exist")).status).toBe(404);
  await waitFor(async () => (await t.storage.repo.failures({ limit: 10 })).length > 0, 3000, "the failure row");
  return { alice: a.body.id, bob: b.body.id, gid: g.body.id };
}

const parse = (lines: string[]) => lines.map((l) => JSON.parse(l));

describe("scimd events", () => {
  test("--json prints every event, one JSON object a line, in seq order, in the public shape", async () => {
    const e = await env();
    await workload(e.t);
    const r = await e.run(["events", "--json"]);
    expect(r.code).toBe(0);
    const printed = parse(r.out);
    const stored = await allEvents(e.t);
    expect(printed.map((x) => x.seq)).toEqual(stored.map((x) => x.seq));
    const upd = printed.find((x) => x.type === "user.updated");
    expect(upd).toMatchObject({ token: "test", name: "alice@example.com", resourceType: "User", data: { changes: { profession: { before: "Engineer", after: "Manager" } } } });
    expect(typeof upd.requestId).toBe("string");
  });

  test("the human format: one line per event with seq, type, name, actor and the changes", async () => {
    const e = await env();
    await workload(e.t);
    const r = await e.run(["events"]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength((await allEvents(e.t)).length);
    const upd = r.out.find((l) => l.includes("user.updated"))!;
    expect(upd).toContain("alice@example.com");
    expect(upd).toContain("by test");
    expect(upd).toContain('profession: "Engineer" -> "Manager"');
    expect(r.out.some((l) => l.includes("user.deactivated") && l.includes("bob@example.com"))).toBe(true);
  });

  test("the human format of group.members_skipped names how many ids were left out, and the first of them", async () => {
    const e = await env();
    const gid = (await e.t.json("POST", "/scim/Groups", group("Skips"))).body.id;
    const ids = Array.from({ length: 7 }, (_, i) => ({ value: `gone-${i}` }));
    expect((await e.t.json("PATCH", `/scim/Groups/${gid}`, patchOp({ op: "add", path: "members", value: ids }))).status).toBe(204);
    const line = (await e.run(["events", "--type", "group.members_skipped"])).out;
    expect(line).toHaveLength(1);
    expect(line[0]).toContain('7 missing: "gone-0", "gone-1", "gone-2", "gone-3", "gone-4", ...');
  });

  test("--since SEQ prints only later events", async () => {
    const e = await env();
    await workload(e.t);
    const stored = await allEvents(e.t);
    const since = stored[3]!.seq;
    const r = await e.run(["events", "--json", "--since", String(since)]);
    expect(r.code).toBe(0);
    expect(parse(r.out).map((x) => x.seq)).toEqual(stored.filter((x) => x.seq > since).map((x) => x.seq));
    const none = await e.run(["events", "--json", "--since", String(stored.at(-1)!.seq)]);
    expect(none.out).toEqual([]);
    expect(none.err).toEqual([]);
    // In the human format an empty answer is said (on stderr: stdout stays empty).
    const human = await e.run(["events", "--since", String(stored.at(-1)!.seq)]);
    expect(human.code).toBe(0);
    expect(human.out.filter(Boolean)).toEqual([]);
    expect(human.err).toEqual([`No events match after ${stored.at(-1)!.seq}.`]);
    const failures = await e.run(["events", "--failed", "--since", "999999"]);
    expect(failures.err).toEqual(["No failed requests are recorded after 999999."]);
  });

  test("--type user.* (prefix) and a comma list of exact types", async () => {
    const e = await env();
    await workload(e.t);
    const stored = await allEvents(e.t);
    const users = parse((await e.run(["events", "--json", "--type", "user.*"])).out);
    expect(users.map((x) => x.seq)).toEqual(stored.filter((x) => x.type.startsWith("user.")).map((x) => x.seq));
    expect(new Set(users.map((x) => x.type))).toEqual(new Set(["user.created", "user.updated", "user.deactivated"]));
    const two = parse((await e.run(["events", "--json", "--type", "group.member_added,user.deactivated"])).out);
    expect(two.map((x) => x.type).sort()).toEqual(["group.member_added", "group.member_added", "user.deactivated"]);
    // "user_*"-like patterns must not match by LIKE wildcards: "user_created" is no type.
    expect((await e.run(["events", "--json", "--type", "user_created"])).out).toEqual([]);
  });

  test("--user USERNAME (without regard to case) prints only that user's events, its memberships included; combines with --type", async () => {
    const e = await env();
    const { alice } = await workload(e.t);
    const r = await e.run(["events", "--json", "--user", "ALICE@example.com"]);
    expect(r.code).toBe(0);
    const printed = parse(r.out);
    const own = printed.filter((x) => x.type.startsWith("user."));
    expect(own.map((x) => x.type)).toEqual(["user.created", "user.updated"]);
    for (const x of own) expect(x.resourceId).toBe(alice);
    for (const x of printed.filter((x) => !x.type.startsWith("user."))) {
      expect(x.type).toMatch(/^group\.member_/);
      expect(x.data.member.id).toBe(alice);
    }
    const combined = parse((await e.run(["events", "--json", "--user", "alice@example.com", "--type", "user.updated"])).out);
    expect(combined.map((x) => x.type)).toEqual(["user.updated"]);
  });

  test("--user finds the memberships of a user renamed in SCIM whose record kept its username (username_changes = ignore)", async () => {
    const e = await env();
    const { alice } = await workload(e.t);
    const renamed = await e.t.json("PATCH", `/scim/Users/${alice}`, patchOp({ op: "replace", path: "userName", value: "alice.new@example.com" }));
    expect(renamed.status).toBe(200);
    const gid = (await e.t.json("POST", "/scim/Groups", group("Renamed Club"))).body.id;
    expect((await e.t.json("PATCH", `/scim/Groups/${gid}`, patchOp({ op: "add", path: "members", value: [{ value: alice }] }))).status).toBe(204);
    const printed = parse((await e.run(["events", "--json", "--user", "alice@example.com"])).out);
    const joined = printed.filter((x) => x.type === "group.member_added" && x.resourceId === gid);
    expect(joined.map((x) => [x.data.member.id, x.data.member.display])).toEqual([[alice, "alice.new@example.com"]]);
    // By the new SCIM userName (as `users show` finds it): the same history, the user's own events included.
    const byNewName = parse((await e.run(["events", "--json", "--user", "ALICE.NEW@example.com"])).out);
    expect(byNewName.map((x) => x.seq)).toEqual(printed.map((x) => x.seq));
    expect(byNewName.filter((x) => x.type === "user.created").map((x) => x.resourceId)).toEqual([alice]);
  });

  test("--failed prints the failed requests (status, method, path, scimType, detail), never a token secret", async () => {
    const e = await env();
    await workload(e.t);
    await e.t.json("POST", "/scim/Users", user("alice@example.com")); // 409
    await waitFor(async () => (await e.t.storage.repo.failures({ limit: 10 })).length >= 2, 3000, "two failure rows");
    const r = await e.run(["events", "--failed", "--json"]);
    expect(r.code).toBe(0);
    const rows = parse(r.out);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ method: "GET", path: "/scim/Users/does-not-exist", status: 404, token: "test" });
    expect(rows[1]).toMatchObject({ method: "POST", path: "/scim/Users", status: 409, scimType: "uniqueness" });
    expect(rows[1].detail).toBeTruthy();
    const human = await e.run(["events", "--failed"]);
    expect(human.out).toHaveLength(2);
    expect(human.out[1]).toContain("409");
    expect(human.out[1]).toContain("uniqueness");
    expect(human.out.join("\n") + r.out.join("\n")).not.toContain(e.t.token);
    // No event line is printed with --failed.
    expect(human.out.some((l) => l.includes("user.created"))).toBe(false);
  });

  test("a bad --since exits 2 with one sentence", async () => {
    const e = await env();
    for (const bad of ["abc", "-1", "1.5", "1e300", "0x10", "99999999999999999999"]) {
      const r = await e.run(["events", "--since", bad]);
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/^scimd: .*--since/);
    }
  });

  test("a --type that matches no event type exits 2 with one sentence naming the types; it printed 'No events match.' and exit 0", async () => {
    const e = await env();
    for (const bad of ["user.create", "user", "users.*", "user.created,group.member_add"]) {
      const r = await e.run(["events", "--type", bad]);
      expect([bad, r.code]).toEqual([bad, 2]);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/^scimd: --type ".*" matches no event type; use one of user\.created, /);
      expect(r.out).toEqual([]);
    }
    // What the query took before stays taken: a prefix without the dot, or in capitals.
    for (const ok of ["*", "user.*", "user.created,group.member_added", "user*", "USER.*"]) expect([ok, (await e.run(["events", "--type", ok])).code]).toEqual([ok, 0]);
  });

  test("--follow (the binary) prints existing events, then one written by another connection, without restarting", async () => {
    const e = await env();
    await workload(e.t);
    const last = (await allEvents(e.t)).at(-1)!.seq;
    const child = spawn(bin, ["events", "--follow", "--json", "--since", String(last - 1), "--config", e.config], { cwd: e.dir, env: { PATH: process.env.PATH ?? "" } });
    children.push(child);
    const lines: string[] = [];
    let buf = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      lines.push(...parts.filter(Boolean));
    });
    await waitFor(() => lines.length >= 1, 10_000, "the existing event");
    expect(JSON.parse(lines[0]!).seq).toBe(last);
    // A change through the app (another connection, another process's view of the same file).
    const created = await e.t.json("POST", "/scim/Users", user("follow@example.com"));
    expect(created.status).toBe(201);
    await waitFor(() => lines.some((l) => JSON.parse(l).resourceId === created.body.id), 10_000, "the followed event");
    const ev = lines.map((l) => JSON.parse(l)).find((x) => x.resourceId === created.body.id);
    expect(ev).toMatchObject({ type: "user.created", name: "follow@example.com", token: "test" });
    // Each event once, in order.
    const seqs = lines.map((l) => JSON.parse(l).seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    expect(child.exitCode).toBeNull();
    child.kill("SIGTERM");
  });
});

// ---- users export ------------------------------------------------------------------------------------------

/** RFC 4180 parser (quoted fields with "", commas and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n") row.push(field), rows.push(row), (row = []), (field = "");
    else if (c === "\r") continue;
    else field += c;
  }
  if (field !== "" || row.length) row.push(field), rows.push(row);
  return rows;
}

const TRICKY = 'Smith, "Bob"\nJr.';

/** Users with awkward values, one deleted (deactivate mode keeps its record). */
async function exportWorkload(t: TestApp): Promise<void> {
  const a = await t.json("POST", "/scim/Users", user("quote@example.com", { displayName: TRICKY, title: "R&D, \"lead\"", name: { givenName: "Zoë", familyName: "O'Brien" } }));
  const b = await t.json("POST", "/scim/Users", user("plain@example.com", { title: "Engineer" }));
  const c = await t.json("POST", "/scim/Users", user("gone@example.com", { title: "Temp" }));
  expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
  expect((await t.json("DELETE", `/scim/Users/${c.body.id}`)).status).toBe(204);
}

async function expectedRows(t: TestApp): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const r of t.storage.repo.listDirectory({ includeDeleted: true })) out.push(directoryJson(r));
  return out;
}

const csvOf = (v: unknown) => (v === null || v === undefined ? "" : String(v));

function expectCsvMatches(text: string, expected: Record<string, unknown>[]) {
  const rows = parseCsv(text);
  const header = rows[0]!;
  expect(header).toContain("username");
  expect(header).toContain("deleted");
  // The record's id is the last column: the columns existing readers know keep their places.
  expect(header.at(-1)).toBe("id");
  const body = rows.slice(1);
  expect(body).toHaveLength(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const exp = expected[i]!;
    for (const [j, col] of header.entries()) expect(body[i]![j]).toBe(csvOf(exp[col]));
  }
}

describe("scimd users export", () => {
  test("--format csv (stdout, the binary): every directory user including deleted ones, RFC 4180 quoting", async () => {
    const e = await env();
    await exportWorkload(e.t);
    const expected = await expectedRows(e.t);
    expect(expected.map((r) => r.username).sort()).toEqual(["gone@example.com", "plain@example.com", "quote@example.com"]);
    expect(expected.find((r) => r.username === "gone@example.com")).toMatchObject({ deleted: true, active: false });
    const r = await e.exec(["users", "export", "--format", "csv"]);
    expect(r.status).toBe(0);
    expectCsvMatches(r.stdout, expected);
    const rows = parseCsv(r.stdout);
    const descCol = rows[0]!.indexOf("description");
    expect(rows.find((row) => row[0] === "quote@example.com")![descCol]).toBe(TRICKY);
    // The raw text quotes the field and doubles the quotes.
    expect(r.stdout).toContain('"Smith, ""Bob""\nJr."');
  });

  test("--format csv --out FILE (in-process) writes the same rows to the file", async () => {
    const e = await env();
    await exportWorkload(e.t);
    const out = join(e.dir, "users.csv");
    const r = await e.run(["users", "export", "--format", "csv", "--out", out]);
    expect(r.code).toBe(0);
    expectCsvMatches(readFileSync(out, "utf8"), await expectedRows(e.t));
  });

  test("--format json --out FILE: a JSON array of every directory user (deleted included) in the contract's keys", async () => {
    const e = await env();
    await exportWorkload(e.t);
    const out = join(e.dir, "users.json");
    const r = await e.run(["users", "export", "--format", "json", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.err.join("\n")).toContain("3 users");
    const data = JSON.parse(readFileSync(out, "utf8"));
    expect(data).toEqual(await expectedRows(e.t));
    expect(data.find((u: any) => u.username === "quote@example.com").description).toBe(TRICKY);
  });

  test("--format json on stdout (the binary) with an empty directory is []", async () => {
    const e = await env();
    const r = await e.exec(["users", "export", "--format", "json"]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });

  test("more users than one page (1,200) are all exported exactly once, to stdout and to a file", async () => {
    const e = await env();
    const at = new Date().toISOString();
    await e.t.storage.repo.write(async (tx) => {
      for (let i = 0; i < 1200; i++) {
        const userName = `bulk${String(i).padStart(4, "0")}@example.com`;
        await tx.insert("User", { id: `scim-${i}`, data: { schemas: [USER_SCHEMA], userName }, version: 1, created: at, lastModified: at });
        await tx.insertDirectory(userName, `scim-${i}`, { active: i % 7 !== 0, description: `Bulk, user ${i}`, profession: null, email: null, firstName: null, lastName: null, phone: null, mobile: null, employeeCode: null, department: null, company: null, site: null }, at);
      }
    });
    const expected = await expectedRows(e.t);
    expect(expected).toHaveLength(1200);
    const csv = await e.exec(["users", "export", "--format", "csv"]);
    expect(csv.status).toBe(0);
    expectCsvMatches(csv.stdout, expected);
    const json = await e.exec(["users", "export", "--format", "json"]);
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(expected);
    const out = join(e.dir, "bulk.json");
    expect((await e.run(["users", "export", "--format", "json", "--out", out])).code).toBe(0);
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(expected);
  });

  test("a bad --format exits 2 with one sentence and writes no file", async () => {
    const e = await env();
    await exportWorkload(e.t);
    const out = join(e.dir, "nope.xml");
    const r = await e.run(["users", "export", "--format", "xml", "--out", out]);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^scimd: .*xml.*csv.*json/);
    expect(existsSync(out)).toBe(false);
    const bin2 = await e.exec(["users", "export", "--format", "yaml"]);
    expect(bin2.status).toBe(2);
    expect(bin2.stdout).toBe("");
  });
});

export type { RunningServer };

// The stack's floor, the server half of `npm run bench:floor` (bench/floor.ts): the least a SCIM server on this
// stack must do for the bench's three workloads, with nothing of scimd in it. Bun.serve and bun:sqlite; the
// tables' page footprint of scimd's (a resource row keyed by a UUIDv7 with userName and externalId indexes,
// the directory record, the email index, the change event with its AUTOINCREMENT and time index); and the same
// durability rule: writes are run in batches, one transaction per turn of the event loop, and answered only
// after an fdatasync of the WAL that started after their COMMIT. No authentication, validation, PATCH engine,
// logging, ETag or webhooks: the filter's userName is cut out of the query string with a regex.
//
//   bun bench/floor-server.ts DIR    prints "ready PORT" once listening; its database is DIR/floor.db
import { Database } from "bun:sqlite";
import { fdatasync, openSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) throw new Error("usage: bun bench/floor-server.ts DIR");
const path = join(dir, "floor.db");
const db = new Database(path, { create: true });
// synchronous = OFF: the group commit's own fdatasync (below) is what makes a write durable, as in scimd.
db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY");
db.exec(`
  CREATE TABLE users (id TEXT PRIMARY KEY, user_name_folded TEXT NOT NULL UNIQUE, external_id TEXT, data TEXT NOT NULL, version INTEGER NOT NULL, last_modified TEXT NOT NULL);
  CREATE INDEX users_external_id ON users (external_id);
  CREATE TABLE directory (id INTEGER PRIMARY KEY AUTOINCREMENT, scim_id TEXT UNIQUE, username_folded TEXT NOT NULL UNIQUE, title TEXT, email TEXT, department TEXT, updated_at TEXT NOT NULL);
  CREATE TABLE emails (user_id TEXT NOT NULL, value_folded TEXT NOT NULL);
  CREATE INDEX emails_value ON emails (value_folded);
  CREATE INDEX emails_user ON emails (user_id);
  CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, type TEXT NOT NULL, resource_id TEXT, data TEXT);
  CREATE INDEX events_time ON events (time);
`);
const walFd = openSync(`${path}-wal`, "r+");

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const sql = {
  byName: db.prepare("SELECT data FROM users WHERE user_name_folded = ?"),
  byId: db.prepare("SELECT data, version FROM users WHERE id = ?"),
  insertUser: db.prepare("INSERT INTO users VALUES (?, ?, ?, ?, 1, ?)"),
  insertDirectory: db.prepare("INSERT INTO directory (scim_id, username_folded, title, email, department, updated_at) VALUES (?, ?, ?, ?, ?, ?)"),
  insertEmail: db.prepare("INSERT INTO emails VALUES (?, ?)"),
  updateUser: db.prepare("UPDATE users SET data = ?, version = ?, last_modified = ? WHERE id = ?"),
  updateDirectory: db.prepare("UPDATE directory SET title = ?, email = ?, department = ? , updated_at = ? WHERE scim_id = ?"),
  updateEmail: db.prepare("UPDATE emails SET value_folded = ? WHERE user_id = ? AND value_folded = ?"),
  insertEvent: db.prepare("INSERT INTO events (time, type, resource_id, data) VALUES (?, ?, ?, ?)"),
  begin: db.prepare("BEGIN IMMEDIATE"),
  commit: db.prepare("COMMIT"),
};

interface Job {
  run(): string;
  answer(text: string): void;
}
let queue: Job[] = [];

function runBatch(): void {
  const jobs = queue;
  queue = [];
  sql.begin.run();
  const texts = jobs.map((j) => j.run());
  sql.commit.run();
  fdatasync(walFd, (e) => {
    if (e) throw e;
    jobs.forEach((j, k) => j.answer(texts[k]!));
  });
}

function write(run: () => string, status: number): Promise<Response> {
  return new Promise((resolve) => {
    if (queue.length === 0) setImmediate(runBatch);
    queue.push({ run, answer: (text) => resolve(new Response(text, { status, headers: { "content-type": "application/scim+json" } })) });
  });
}

function create(u: Record<string, any>): string {
  const id = Bun.randomUUIDv7();
  const now = new Date().toISOString();
  u.id = id;
  u.meta = { resourceType: "User", created: now, lastModified: now, version: 'W/"1"' };
  const text = JSON.stringify(u);
  const email = String(u.emails[0].value);
  sql.insertUser.run(id, String(u.userName).toLowerCase(), u.externalId ?? null, text, now);
  sql.insertDirectory.run(id, String(u.userName).toLowerCase(), u.title ?? null, email, u[ENTERPRISE]?.department ?? null, now);
  sql.insertEmail.run(id, email.toLowerCase());
  sql.insertEvent.run(now, "user.created", id, text);
  return text;
}

// The bench's PATCH: title, the work email and the enterprise department, in that order.
function patch(id: string, ops: { value: string }[]): string {
  const row = sql.byId.get(id) as { data: string; version: number };
  const u = JSON.parse(row.data);
  const oldEmail = String(u.emails[0].value);
  const now = new Date().toISOString();
  u.title = ops[0]!.value;
  u.emails[0].value = ops[1]!.value;
  u[ENTERPRISE].department = ops[2]!.value;
  u.meta.lastModified = now;
  u.meta.version = `W/"${row.version + 1}"`;
  const text = JSON.stringify(u);
  sql.updateUser.run(text, row.version + 1, now, id);
  sql.updateDirectory.run(u.title, u.emails[0].value, u[ENTERPRISE].department, now, id);
  sql.updateEmail.run(String(u.emails[0].value).toLowerCase(), id, oldEmail.toLowerCase());
  sql.insertEvent.run(now, "user.updated", id, text);
  return text;
}

const json = (text: string, status = 200) => new Response(text, { status, headers: { "content-type": "application/scim+json" } });

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const url = req.url;
    const q = url.indexOf("?");
    const id = url.slice(url.lastIndexOf("/", q === -1 ? undefined : q) + 1, q === -1 ? undefined : q);
    if (req.method === "GET" && q !== -1) {
      const name = /%22(.*)%22/.exec(url.slice(q))?.[1];
      const row = name ? (sql.byName.get(decodeURIComponent(name).toLowerCase()) as { data: string } | null) : null;
      return json(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":${row ? 1 : 0},"Resources":[${row ? row.data : ""}]}`);
    }
    if (req.method === "GET") {
      const row = sql.byId.get(id) as { data: string } | null;
      return row ? json(row.data) : json('{"status":"404"}', 404);
    }
    const body = (await req.json()) as Record<string, any>;
    if (req.method === "POST") return write(() => create(body), 201);
    return write(() => patch(id, body.Operations), 200);
  },
});
console.log(`ready ${server.port}`);

// Seeds users straight into a scimd SQLite database (for sizes too slow to create over HTTP): the same
// rows the repository writes for a created user (scim_users, user_emails, directory_users), without events.
import { Database } from "bun:sqlite";
import { openStorage } from "../../src/storage/open-storage.ts";
import { entraUser, userNameOf } from "./users.ts";

export interface SeedResult {
  ids: string[];
  elapsedMs: number;
}

/** Creates/migrates the database at `dbPath` and inserts users [from, to) of `run`; returns their ids. */
export function seedUsers(dbPath: string, run: string, from: number, to: number, opts: { keepIds?: boolean; minimal?: boolean } = {}): SeedResult {
  openStorage(dbPath).close(); // creates the file and applies the migrations
  const started = performance.now();
  const db = new Database(dbPath);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = OFF");
  db.exec("PRAGMA cache_size = -262144");
  const insUser = db.prepare(
    "INSERT INTO scim_users (id, user_name, user_name_folded, external_id, display_name, active, data, version, created, last_modified) VALUES (?, ?, ?, ?, ?, 1, ?, 1, ?, ?)",
  );
  const insEmail = db.prepare("INSERT INTO user_emails (user_id, value_folded) VALUES (?, ?)");
  const insDir = db.prepare(
    "INSERT INTO directory_users (scim_id, username, username_folded, active, description, profession, email, first_name, last_name, phone, mobile, employee_code, department, company, deleted, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
  );
  const ids: string[] = [];
  const now = new Date().toISOString();
  const batch = 20_000;
  for (let start = from; start < to; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(to, start + batch); i++) {
        const id = crypto.randomUUID();
        const userName = userNameOf(run, i);
        const data = opts.minimal
          ? { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, active: true, emails: [{ type: "work", value: userName, primary: true }] }
          : entraUser(run, i);
        const u = data as Record<string, any>;
        insUser.run(id, userName, userName.toLowerCase(), u.externalId ?? null, u.displayName ?? null, JSON.stringify(data), now, now);
        insEmail.run(id, userName.toLowerCase());
        const ent = u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"] ?? {};
        insDir.run(
          id, userName, userName.toLowerCase(), u.displayName ?? null, u.title ?? null, userName, u.name?.givenName ?? null, u.name?.familyName ?? null,
          u.phoneNumbers?.[0]?.value ?? null, u.phoneNumbers?.[1]?.value ?? null, ent.employeeNumber ?? null, ent.department ?? null, ent.organization ?? null, now, now,
        );
        if (opts.keepIds !== false) ids.push(id);
      }
    })();
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  return { ids, elapsedMs: performance.now() - started };
}

import { Database } from "bun:sqlite";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import type { ResourceSchema } from "../../src/core/schema/registry.ts";
import { migrateDatabase, openDatabase } from "../../src/storage/db.ts";
import { compileFilter, type SqlTarget } from "../../src/storage/filter-to-sql.ts";
import { GROUP_TARGET, USER_TARGET } from "../../src/storage/sql-targets.ts";
import { GROUPS, USERS, type Resource } from "../core/filter/filter-fixtures.ts";

// The fixture resources in the real storage schema (the drizzle migrations) and read through the real
// SqlTargets, so that the filter table checks the SQL that production runs.
export const TEST_USER_TARGET: SqlTarget = USER_TARGET;
export const TEST_GROUP_TARGET: SqlTarget = GROUP_TARGET;

const without = (r: Resource, ...keys: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
interface Meta {
  created: string;
  lastModified: string;
}

/** An in-memory database holding the fixture resources. */
export function openFixtureDb(): Database {
  const db = openDatabase(":memory:");
  migrateDatabase(db);
  const insertUser = db.query(
    "INSERT INTO scim_users (id, user_name, user_name_folded, external_id, display_name, active, data, version, created, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
  );
  const insertEmail = db.query("INSERT INTO user_emails (user_id, value_folded) VALUES (?, ?)");
  for (const u of USERS) {
    const m = u.meta as Meta;
    const active = typeof u.active === "boolean" ? (u.active ? 1 : 0) : null;
    insertUser.run(
      u.id as string,
      u.userName as string,
      (u.userName as string).toLowerCase(),
      (u.externalId as string | undefined) ?? null,
      (u.displayName as string | undefined) ?? null,
      active,
      JSON.stringify(without(u, "id", "meta", "groups")),
      m.created,
      m.lastModified,
    );
    const emails = new Set(((u.emails as { value?: string }[] | undefined) ?? []).flatMap((e) => (e.value ? [e.value.toLowerCase()] : [])));
    for (const e of emails) insertEmail.run(u.id as string, e);
  }
  const insertGroup = db.query(
    "INSERT INTO scim_groups (id, display_name, display_name_folded, external_id, data, version, created, last_modified) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
  );
  const insertMember = db.query("INSERT INTO group_members (group_id, member_id, member_type) VALUES (?, ?, ?)");
  for (const g of GROUPS) {
    const m = g.meta as Meta;
    insertGroup.run(
      g.id as string,
      g.displayName as string,
      (g.displayName as string).toLowerCase(),
      (g.externalId as string | undefined) ?? null,
      JSON.stringify(without(g, "id", "meta", "members")),
      m.created,
      m.lastModified,
    );
    for (const member of (g.members as { value: string; type: string }[] | undefined) ?? [])
      insertMember.run(g.id as string, member.value, member.type);
  }
  return db;
}

/** The ids a parsed filter selects when run as SQL. */
export function selectIds(database: Database, filter: string, rs: ResourceSchema, target: SqlTarget): string[] {
  const { sql, params } = compileFilter(parseFilter(filter, rs), rs, target);
  const rows = database.query(`SELECT ${target.alias}.id AS id FROM ${target.table} AS ${target.alias} WHERE ${sql}`).all(...params) as { id: string }[];
  return rows.map((r) => r.id).sort();
}

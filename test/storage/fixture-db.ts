import { Database } from "bun:sqlite";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import type { ResourceSchema } from "../../src/core/schema/registry.ts";
import { compileFilter, type SqlTarget } from "../../src/storage/filter-to-sql.ts";
import { GROUPS, USERS, type Resource } from "../core/filter/filter-fixtures.ts";

// A store shaped like the service's: indexed columns for the lookups identity providers make, the
// rest of the resource as JSON, side tables for e-mail lookups and membership.
const DDL = `
CREATE TABLE scim_users (
  id TEXT PRIMARY KEY, user_name TEXT NOT NULL, user_name_folded TEXT NOT NULL, external_id TEXT,
  display_name TEXT, active INTEGER, data TEXT NOT NULL, created TEXT NOT NULL, last_modified TEXT NOT NULL);
CREATE UNIQUE INDEX scim_users_user_name_folded ON scim_users(user_name_folded);
CREATE INDEX scim_users_external_id ON scim_users(external_id);
CREATE TABLE user_emails (user_id TEXT NOT NULL REFERENCES scim_users(id), value_folded TEXT NOT NULL);
CREATE INDEX user_emails_value ON user_emails(value_folded);
CREATE TABLE scim_groups (
  id TEXT PRIMARY KEY, display_name TEXT NOT NULL, display_name_folded TEXT NOT NULL, external_id TEXT,
  data TEXT NOT NULL, created TEXT NOT NULL, last_modified TEXT NOT NULL);
CREATE TABLE group_members (group_id TEXT NOT NULL, member_id TEXT NOT NULL, member_type TEXT NOT NULL,
  PRIMARY KEY (group_id, member_id));
CREATE INDEX group_members_member ON group_members(member_id);
`;

export const TEST_USER_TARGET: SqlTarget = {
  table: "scim_users",
  alias: "u",
  idColumn: "id",
  jsonColumn: "data",
  columns: {
    id: { exact: "id" },
    userName: { exact: "user_name", folded: "user_name_folded" },
    externalId: { exact: "external_id" },
    displayName: { exact: "display_name" },
    active: { exact: "active" },
    "meta.created": { exact: "created" },
    "meta.lastModified": { exact: "last_modified" },
  },
  sideTables: {
    emails: { table: "user_emails", ownerColumn: "user_id", subAttributes: { value: { folded: "value_folded" } } },
    groups: { table: "group_members", ownerColumn: "member_id", subAttributes: { value: { exact: "group_id" } } },
  },
  notInJson: ["id", "meta", "groups"],
};

export const TEST_GROUP_TARGET: SqlTarget = {
  table: "scim_groups",
  alias: "g",
  idColumn: "id",
  jsonColumn: "data",
  columns: {
    id: { exact: "id" },
    displayName: { exact: "display_name", folded: "display_name_folded" },
    externalId: { exact: "external_id" },
    "meta.created": { exact: "created" },
    "meta.lastModified": { exact: "last_modified" },
  },
  sideTables: {
    members: {
      table: "group_members",
      ownerColumn: "group_id",
      subAttributes: { value: { exact: "member_id" }, type: { exact: "member_type" } },
    },
  },
  notInJson: ["id", "meta", "members"],
};

const without = (r: Resource, ...keys: string[]) => Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
interface Meta {
  created: string;
  lastModified: string;
}

/** An in-memory database holding the fixture resources. */
export function openFixtureDb(): Database {
  const db = new Database(":memory:");
  db.exec(DDL);
  const insertUser = db.query(
    "INSERT INTO scim_users (id, user_name, user_name_folded, external_id, display_name, active, data, created, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    for (const e of (u.emails as { value?: string }[] | undefined) ?? [])
      if (e.value) insertEmail.run(u.id as string, e.value.toLowerCase());
  }
  const insertGroup = db.query(
    "INSERT INTO scim_groups (id, display_name, display_name_folded, external_id, data, created, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)",
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

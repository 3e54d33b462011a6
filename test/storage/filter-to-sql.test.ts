import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { InvalidFilterError, InvalidValueError } from "../../src/core/errors.ts";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import { GROUP, USER, type ResourceSchema } from "../../src/core/schema/registry.ts";
import { compileFilter, compileSort, type SqlTarget } from "../../src/storage/filter-to-sql.ts";
import { FILTER_CASES } from "../core/filter/filter-cases.ts";
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

const db = openFixtureDb();
afterAll(() => db.close());

/** The ids a parsed filter selects when run as SQL. */
export function selectIds(database: Database, filter: string, rs: ResourceSchema, target: SqlTarget): string[] {
  const { sql, params } = compileFilter(parseFilter(filter, rs), rs, target);
  const rows = database.query(`SELECT ${target.alias}.id AS id FROM ${target.table} AS ${target.alias} WHERE ${sql}`).all(...params) as { id: string }[];
  return rows.map((r) => r.id).sort();
}

describe("compileFilter over the shared case table", () => {
  for (const c of FILTER_CASES) {
    test(`${c.resourceType}: ${c.filter}`, () => {
      const [rs, target] = c.resourceType === "User" ? [USER, TEST_USER_TARGET] : [GROUP, TEST_GROUP_TARGET];
      expect(selectIds(db, c.filter, rs, target)).toEqual([...c.expected].sort());
    });
  }
});

describe("compileFilter keeps values out of the SQL text", () => {
  const hostile = [`x'; DROP TABLE scim_users; --`, `" OR 1=1 --`, `%_\\'"`, `') OR ('1'='1`];
  for (const value of hostile) {
    test(`a value of ${JSON.stringify(value)} is bound, not spliced`, () => {
      const filter = `userName eq ${JSON.stringify(value)} or displayName co ${JSON.stringify(value)} or emails[value sw ${JSON.stringify(value)}] or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department ew ${JSON.stringify(value)}`;
      const { sql, params } = compileFilter(parseFilter(filter, USER), USER, TEST_USER_TARGET);
      for (const fragment of ["DROP", "1=1", "%_", "'1'"]) expect(sql).not.toContain(fragment);
      expect(params).toContain(value.toLowerCase());
      expect(selectIds(db, filter, USER, TEST_USER_TARGET)).toEqual([]);
      expect((db.query("SELECT count(*) AS n FROM scim_users").get() as { n: number }).n).toBe(USERS.length);
    });
  }
});

describe("compileFilter uses the indexes", () => {
  const plan = (filter: string) => {
    const { sql, params } = compileFilter(parseFilter(filter, USER), USER, TEST_USER_TARGET);
    const rows = db.query(`EXPLAIN QUERY PLAN SELECT u.id FROM scim_users AS u WHERE ${sql}`).all(...params) as { detail: string }[];
    return rows.map((r) => r.detail).join("\n");
  };
  test("userName eq searches the folded userName index", () => {
    expect(plan(`userName eq "Alice@Contoso.com"`)).toContain("USING INDEX scim_users_user_name_folded");
  });
  test("externalId eq searches the externalId index", () => {
    expect(plan(`externalId eq "EXT-2"`)).toContain("USING INDEX scim_users_external_id");
  });
  test("emails.value eq searches the e-mail side table's index", () => {
    expect(plan(`emails.value eq "bob@contoso.com"`)).toContain("USING INDEX user_emails_value");
    expect(plan(`emails[value eq "bob@contoso.com"]`)).toContain("USING INDEX user_emails_value");
  });
});

describe("compileFilter rejections", () => {
  test("an unknown attribute in an unchecked tree is an invalidFilter", () => {
    expect(() => compileFilter(parseFilter("shoeSize eq 42"), USER, TEST_USER_TARGET)).toThrow(InvalidFilterError);
  });
  test("a sub-attribute the storage does not keep is an invalidFilter, not a silent miss", () => {
    expect(() => compileFilter(parseFilter(`members.display eq "x"`, GROUP), GROUP, TEST_GROUP_TARGET)).toThrow(InvalidFilterError);
    expect(() => compileFilter(parseFilter(`meta.version eq "x"`, USER), USER, TEST_USER_TARGET)).toThrow(InvalidFilterError);
  });
  test("a long or-chain compiles to a balanced tree that SQLite accepts", () => {
    const filter = Array.from({ length: 1200 }, (_, i) => `displayName eq "user${i}"`).join(" or ");
    const node = parseFilter(`${filter} or userName eq "dave"`, USER, { maxLength: 100_000 });
    const { sql, params } = compileFilter(node, USER, TEST_USER_TARGET);
    expect(db.query(`SELECT u.id AS id FROM scim_users AS u WHERE NOT (${sql})`).all(...params)).toHaveLength(USERS.length - 1);
  });
});

describe("compileSort", () => {
  const order = (sortBy: string, direction: "ascending" | "descending" = "ascending") =>
    (db.query(`SELECT u.id AS id FROM scim_users AS u ORDER BY ${compileSort(sortBy, direction, USER, TEST_USER_TARGET)}, u.rowid`).all() as { id: string }[]).map(
      (r) => r.id,
    );
  test("userName sorts without regard to case", () => {
    expect(order("userName")).toEqual(["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u9", "u10", "u8"]);
  });
  test("missing values sort last in both directions", () => {
    expect(order("title").at(-1)).toBe("u7");
    expect(order("title", "descending").at(-1)).toBe("u7");
  });
  test("a multi-valued attribute sorts by its primary value, else its first", () => {
    expect(order("emails.value").slice(0, 3)).toEqual(["u1", "u2", "u3"]);
    expect(order("emails").at(-1)).toBe("u5");
  });
  test("an extension attribute sorts by its URN-qualified name", () => {
    expect(order("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber").slice(0, 2)).toEqual(["u3", "u6"]);
  });
  test("meta.created sorts by instant", () => {
    expect(order("meta.created")[0]).toBe("u3");
    expect(order("meta.created", "descending")[0]).toBe("u9");
  });
  test("an unknown sortBy is an invalidValue", () => {
    expect(() => compileSort("shoeSize", "ascending", USER, TEST_USER_TARGET)).toThrow(InvalidValueError);
  });
});

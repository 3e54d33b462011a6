import { afterAll, describe, expect, test } from "bun:test";
import { InvalidFilterError, InvalidValueError } from "../../src/core/errors.ts";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import { GROUP, USER } from "../../src/core/schema/registry.ts";
import { compileFilter, compileSort } from "../../src/storage/filter-to-sql.ts";
import { FILTER_CASES } from "../core/filter/filter-cases.ts";
import { USERS } from "../core/filter/filter-fixtures.ts";
import { openFixtureDb, selectIds, TEST_GROUP_TARGET, TEST_USER_TARGET } from "./fixture-db.ts";

const db = openFixtureDb();
afterAll(() => db.close());

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
  test("missing values sort last ascending and first descending (RFC 7644 §3.4.2.3)", () => {
    expect(order("title").at(-1)).toBe("u7");
    expect(order("title", "descending")[0]).toBe("u7");
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

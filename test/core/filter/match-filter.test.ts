import { describe, expect, test } from "bun:test";
import type { FilterNode } from "../../../src/core/filter/ast.ts";
import { matchFilter } from "../../../src/core/filter/match-filter.ts";
import { parseFilter } from "../../../src/core/filter/parse-filter.ts";
import { GROUP, USER, type ResourceSchema } from "../../../src/core/schema/registry.ts";
import { attr } from "../../../src/core/schema/types.ts";
import { FILTER_CASES } from "./filter-cases.ts";
import { GROUPS, USERS } from "./filter-fixtures.ts";

const sorted = (ids: readonly string[]) => [...ids].sort();

describe("matchFilter over the shared case table", () => {
  test("the table has at least 150 cases", () => {
    expect(FILTER_CASES.length).toBeGreaterThanOrEqual(150);
  });
  for (const c of FILTER_CASES) {
    test(`${c.resourceType}: ${c.filter}`, () => {
      const rs = c.resourceType === "User" ? USER : GROUP;
      const resources = c.resourceType === "User" ? USERS : GROUPS;
      const node = parseFilter(c.filter, rs);
      const ids = resources.filter((r) => matchFilter(node, r, rs)).map((r) => r.id as string);
      expect(sorted(ids)).toEqual(sorted(c.expected));
    });
  }
});

describe("matchFilter decisions outside the table", () => {
  const alice = USERS[0]!;
  test("ordering comparisons on a boolean match nothing when the tree was not schema-checked", () => {
    expect(matchFilter(parseFilter("active gt false"), alice, USER)).toBe(false);
    expect(matchFilter(parseFilter("not (active gt false)"), alice, USER)).toBe(true);
  });
  test("an attribute the resource type lacks is an invalidFilter", () => {
    expect(() => matchFilter(parseFilter("shoeSize eq 42"), alice, USER)).toThrow("not an attribute of User");
  });

  // No SCIM core attribute is numeric, so numbers are checked on a schema made for the purpose.
  const numeric: ResourceSchema = {
    type: { ...USER.type, id: "Widget", name: "Widget" },
    core: { ...USER.core, attributes: [attr("size", { type: "integer" }), attr("weight", { type: "decimal" })] },
    extensions: [],
  };
  const widget = (size: number, weight: number) => ({ id: "w", size, weight });
  const cases: [string, ReturnType<typeof widget>, boolean][] = [
    ["size gt 9", widget(10, 1), true],
    ["size gt 10", widget(9, 1), false],
    ["size ge 10", widget(10, 1), true],
    ["size lt 1e1", widget(9, 1), true],
    ["weight le 2.5", widget(1, 2.5), true],
    ["weight eq 2.50", widget(1, 2.5), true],
    ["size eq \"10\"", widget(10, 1), true],
    ["size co 1", widget(10, 1), false],
    ["size eq \"ten\"", widget(10, 1), false],
  ];
  for (const [filter, resource, expected] of cases) {
    test(`numbers compare numerically: ${filter}`, () => {
      const node: FilterNode = parseFilter(filter, numeric);
      expect(matchFilter(node, resource, numeric)).toBe(expected);
    });
  }
});

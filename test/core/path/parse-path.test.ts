import { describe, expect, test } from "bun:test";
import { InvalidPathError } from "../../../src/core/errors.ts";
import { parsePath } from "../../../src/core/path/parse-path.ts";
import { GROUP, USER } from "../../../src/core/schema/registry.ts";

const E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe("parsePath forms (RFC 7644 §3.5.2)", () => {
  const cases: [string, unknown][] = [
    ["userName", { path: { attribute: "userName" } }],
    ["name.givenName", { path: { attribute: "name", subAttribute: "givenName" } }],
    [
      `emails[type eq "work"]`,
      { path: { attribute: "emails" }, filter: { kind: "compare", path: { attribute: "type" }, op: "eq", value: "work" } },
    ],
    [
      `emails[type eq "work"].value`,
      { path: { attribute: "emails" }, filter: { kind: "compare", path: { attribute: "type" }, op: "eq", value: "work" }, subAttribute: "value" },
    ],
    [
      `members[value eq "2819c223"]`,
      { path: { attribute: "members" }, filter: { kind: "compare", path: { attribute: "value" }, op: "eq", value: "2819c223" } },
    ],
    [`${E}:department`, { path: { uri: E, attribute: "department" } }],
    [`${E}:manager.value`, { path: { uri: E, attribute: "manager", subAttribute: "value" } }],
    [E, { path: { uri: E, attribute: "" } }],
    [
      // Entra ID addresses a single address line this way.
      `addresses[type eq "work"].streetAddress`,
      { path: { attribute: "addresses" }, filter: { kind: "compare", path: { attribute: "type" }, op: "eq", value: "work" }, subAttribute: "streetAddress" },
    ],
    [
      `emails[type eq "work" and primary eq true].value`,
      {
        path: { attribute: "emails" },
        filter: {
          kind: "and",
          left: { kind: "compare", path: { attribute: "type" }, op: "eq", value: "work" },
          right: { kind: "compare", path: { attribute: "primary" }, op: "eq", value: true },
        },
        subAttribute: "value",
      },
    ],
  ];
  for (const [input, expected] of cases) {
    test(input, () => {
      const rs = input.startsWith("members") ? GROUP : USER;
      expect(parsePath(input, rs)).toEqual(expected as ReturnType<typeof parsePath>);
      expect(parsePath(input)).toEqual(expected as ReturnType<typeof parsePath>);
    });
  }
  test("a bare extension URN is recognised without regard to case", () => {
    expect(parsePath(E.toLowerCase(), USER)).toEqual({ path: { uri: E.toLowerCase(), attribute: "" } });
  });
});

describe("parsePath errors", () => {
  const cases: [string, number, string][] = [
    ["", 1, "the path is empty"],
    ["shoeSize", 1, "not an attribute of User resources"],
    ["name.shoeSize", 1, "not an attribute of User resources"],
    [`emails[type eq "work"].shoeSize`, 24, "not a sub-attribute of \"emails\""],
    [`emails[type eq "work"`, 7, "never closed"],
    [`emails[type eq "work"]value`, 23, "expected \".\" and a sub-attribute"],
    [`emails[type eq "work"].`, 24, "expected one sub-attribute name"],
    [`emails[type eq "work"].value.x`, 24, "expected one sub-attribute name"],
    [`userName[value eq "x"]`, 1, "not a complex attribute"],
    [`userName eq "x"`, 10, "unexpected"],
    [`${E} x`, 60, "nothing may follow the schema URN"],
    [`emails[type zz "work"]`, 13, "expected a comparison operator"],
    [`a.b.c`, 1, "more than one sub-attribute level"],
  ];
  for (const [input, position, reason] of cases) {
    test(`${JSON.stringify(input)}: position ${position}, ${reason}`, () => {
      let error: unknown;
      try {
        parsePath(input, USER);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidPathError);
      const e = error as InvalidPathError;
      expect(e.scimType).toBe("invalidPath");
      expect(e.message).toContain(`at position ${position}:`);
      expect(e.message).toContain(reason);
      expect(e.message).toEndWith("see RFC 7644 section 3.5.2.");
    });
  }
});

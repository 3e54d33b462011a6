import { describe, expect, test } from "bun:test";
import { InvalidFilterError } from "../../../src/core/errors.ts";
import type { FilterNode } from "../../../src/core/filter/ast.ts";
import { parseFilter } from "../../../src/core/filter/parse-filter.ts";
import { printFilter } from "../../../src/core/filter/print-filter.ts";
import { GROUP, USER } from "../../../src/core/schema/registry.ts";

const E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const eq = (attribute: string, value: string | number | boolean | null, extra: object = {}): FilterNode => ({
  kind: "compare",
  path: { attribute, ...extra },
  op: "eq",
  value,
});

/** The error a filter raises; fails the test when it parses. */
function errorOf(filter: string, rs = USER): InvalidFilterError {
  try {
    parseFilter(filter, rs);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidFilterError);
    return e as InvalidFilterError;
  }
  throw new Error(`expected ${filter} to be rejected`);
}

describe("parseFilter trees", () => {
  test("a comparison", () => {
    expect(parseFilter(`userName eq "bjensen"`)).toEqual(eq("userName", "bjensen"));
  });
  test("and binds tighter than or", () => {
    expect(parseFilter(`a eq 1 or b eq 2 and c eq 3`)).toEqual({
      kind: "or",
      left: eq("a", 1),
      right: { kind: "and", left: eq("b", 2), right: eq("c", 3) },
    });
  });
  test("not binds tighter than and", () => {
    expect(parseFilter(`not (a eq 1) and b eq 2`)).toEqual({ kind: "and", left: { kind: "not", expr: eq("a", 1) }, right: eq("b", 2) });
  });
  test("logical operators associate to the left", () => {
    expect(parseFilter(`a pr and b pr and c pr`)).toEqual({
      kind: "and",
      left: { kind: "and", left: { kind: "present", path: { attribute: "a" } }, right: { kind: "present", path: { attribute: "b" } } },
      right: { kind: "present", path: { attribute: "c" } },
    });
  });
  test("parentheses group", () => {
    expect(parseFilter(`(a eq 1 or b eq 2) and c eq 3`)).toEqual({
      kind: "and",
      left: { kind: "or", left: eq("a", 1), right: eq("b", 2) },
      right: eq("c", 3),
    });
  });
  test("a value path with a logical inner filter", () => {
    expect(parseFilter(`emails[type eq "work" and value co "@contoso.com"]`)).toEqual({
      kind: "valuePath",
      path: { attribute: "emails" },
      filter: { kind: "and", left: eq("type", "work"), right: { kind: "compare", path: { attribute: "value" }, op: "co", value: "@contoso.com" } },
    });
  });
  test("a sub-attribute", () => {
    expect(parseFilter(`name.familyName eq "O'Malley"`)).toEqual(eq("name", "O'Malley", { subAttribute: "familyName" }));
  });
  test("URN-qualified paths split at the last colon", () => {
    expect(parseFilter(`${E}:department eq "Sales"`)).toEqual(eq("department", "Sales", { uri: E }));
    expect(parseFilter(`${E}:manager.value eq "u1"`)).toEqual(eq("manager", "u1", { uri: E, subAttribute: "value" }));
    expect(parseFilter(`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`)).toEqual(
      eq("userName", "x", { uri: "urn:ietf:params:scim:schemas:core:2.0:User" }),
    );
  });
  test("JSON string escapes", () => {
    expect(parseFilter(String.raw`a eq "q\" b\\ s\/ \b\f\n\r\t \u00e9\u0041"`)).toEqual(eq("a", 'q" b\\ s/ \b\f\n\r\t éA'));
  });
  test("numbers: integer, decimal, exponent, negative", () => {
    expect(parseFilter(`a eq 42`)).toEqual(eq("a", 42));
    expect(parseFilter(`a eq -1.5`)).toEqual(eq("a", -1.5));
    expect(parseFilter(`a eq 2e3`)).toEqual(eq("a", 2000));
    expect(parseFilter(`a eq 1.25E-2`)).toEqual(eq("a", 0.0125));
  });
  test("true, false and null in any case", () => {
    expect(parseFilter(`a eq true`)).toEqual(eq("a", true));
    expect(parseFilter(`a eq FALSE`)).toEqual(eq("a", false));
    expect(parseFilter(`a eq Null`)).toEqual(eq("a", null));
  });
  test("every comparison operator and pr", () => {
    for (const op of ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] as const)
      expect(parseFilter(`title ${op} "x"`)).toEqual({ kind: "compare", path: { attribute: "title" }, op, value: "x" });
    expect(parseFilter(`title pr`)).toEqual({ kind: "present", path: { attribute: "title" } });
  });
  test("$ref is a sub-attribute name", () => {
    expect(parseFilter(`members.$ref pr`)).toEqual({ kind: "present", path: { attribute: "members", subAttribute: "$ref" } });
  });
  test("extra whitespace is ignored", () => {
    expect(parseFilter(`  ( userName   eq  "x" )  `)).toEqual(eq("userName", "x"));
  });
});

describe("parseFilter leniencies", () => {
  test("Okta and Entra ID: operators in any case", () => {
    expect(parseFilter(`userName EQ "x"`)).toEqual(eq("userName", "x"));
    expect(parseFilter(`a Pr`)).toEqual({ kind: "present", path: { attribute: "a" } });
  });
  test("Okta and Entra ID: and/or/not in any case", () => {
    expect(parseFilter(`a eq 1 AND b eq 2 Or NOT (c eq 3)`)).toEqual({
      kind: "or",
      left: { kind: "and", left: eq("a", 1), right: eq("b", 2) },
      right: { kind: "not", expr: eq("c", 3) },
    });
  });
  test("Entra ID: unquoted GUID values are strings", () => {
    expect(parseFilter(`externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef`)).toEqual(eq("externalId", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"));
  });
  test("Entra ID: an unquoted value ends at whitespace, ')' or ']'", () => {
    expect(parseFilter(`(externalId eq abc) and emails[value eq a@b.c]`)).toEqual({
      kind: "and",
      left: eq("externalId", "abc"),
      right: { kind: "valuePath", path: { attribute: "emails" }, filter: eq("value", "a@b.c") },
    });
  });
  test("not may touch its parenthesis", () => {
    expect(parseFilter(`not(a pr)`)).toEqual({ kind: "not", expr: { kind: "present", path: { attribute: "a" } } });
  });
});

describe("parseFilter errors", () => {
  const cases: [string, number, string][] = [
    [`userName xx "x"`, 10, "expected a comparison operator"],
    [`userName`, 9, "expected a comparison operator"],
    [`userName eq`, 12, "expected a value"],
    [`userName eq "x`, 13, "never closed with a double quote"],
    [`userName eq "\\x"`, 14, "unknown escape"],
    [`userName eq "\\u12g4"`, 14, "four hexadecimal digits"],
    [`(userName eq "x"`, 1, "never closed"],
    [`userName eq "x")`, 16, "expected \"and\", \"or\" or the end"],
    [`userName eq "x" and`, 17, "expected a filter after"],
    [`userName eq "x" nand title pr`, 17, "expected \"and\", \"or\" or the end"],
    [`not userName eq "x"`, 5, "expected \"(\" after \"not\""],
    [`eq "x"`, 1, "\"eq\" is not an attribute"],
    [`"x" eq userName`, 1, "expected an attribute name"],
    [``, 1, "the filter ended"],
    [`emails[type eq "work"`, 7, "never closed"],
    [`emails[type eq "work"].value[type eq "x"]`, 29, "cannot be nested"],
    [`emails[type eq "work"].name.givenName eq "x"`, 24, "plain sub-attribute name"],
    [`emails[type[value eq "x"] eq "y"]`, 12, "cannot be nested"],
    [`emails[name.givenName eq "x"]`, 8, "plain sub-attribute name"],
    [`a.b.c eq "x"`, 1, "more than one sub-attribute level"],
    [`core:userName eq "x"`, 1, "full schema URN"],
    [`${E}: eq "x"`, 1, "expected an attribute name after the schema URN"],
    [`shoeSize eq 42`, 1, "not an attribute of User resources"],
    [`name.shoeSize eq 42`, 1, "not an attribute of User resources"],
    [`emails[shoeSize eq 42]`, 8, "not a sub-attribute of \"emails\""],
    [`userName[value eq "x"]`, 1, "not a complex attribute"],
    [`name.givenName[value eq "x"]`, 1, "is a sub-attribute"],
    [`active gt true`, 8, "cannot compare the boolean attribute"],
    [`meta.created gt "not a date"`, 17, '"not a date" is not a dateTime'],
    [`meta.lastModified lt 5`, 22, '"5" is not a dateTime'],
    // Dates that do not exist were rolled over by Date.parse (February 30 read as March 2), not refused.
    [`meta.created lt "2026-02-30T00:00:00Z"`, 17, '"2026-02-30T00:00:00Z" is not a dateTime'],
    [`meta.created lt "2025-02-29"`, 17, '"2025-02-29" is not a dateTime'],
    [`meta.created gt "2026-11-29T24:00:00Z"`, 17, "is not a dateTime"],
    [`meta.created gt "2026-11-29T12:60:00Z"`, 17, "is not a dateTime"],
    [`meta.created gt "2026-11-29T12:00:00+15:00"`, 17, "is not a dateTime"],
    [`meta.created gt "2026-11-29T12:00:00 UTC"`, 17, "is not a dateTime"],
    [`x509Certificates.value lt "a"`, 24, "cannot compare the binary attribute"],
    [`urn:ietf:params:scim:schemas:extension:nope:2.0:User:department eq "x"`, 1, "not an attribute of User resources"],
    [`userName eq "x" "y"`, 17, "expected \"and\", \"or\" or the end"],
    // RFC 7644 §3.4.2.2: a comparison needs something comparable; these matched nothing, silently.
    [`name eq "Ali"`, 1, 'no value to compare; name one, such as "name.formatted"'],
    [`addresses eq "Lyon"`, 1, "no value to compare"],
    [`meta.created co "2026"`, 14, '"co" compares text, and "meta.created" is a dateTime'],
    [`meta.lastModified ew "Z"`, 19, "use gt, ge, lt or le"],
    [`userName eq 'kim@example.com'`, 13, 'strings are written in double quotes: write "kim@example.com"'],
    [`userName eq 'john smith'`, 13, 'strings are written in double quotes: write "john smith"'],
    [`userName eq 'say "hi"'`, 13, 'write "say \\"hi\\""'],
    [`userName eq 'unclosed`, 13, 'write "unclosed"'],
    [`active co "t"`, 8, '"co" compares text, and "active" is a boolean'],
    [`active sw true`, 8, "use eq or ne with true or false"],
    [`active eq "yes"`, 11, '"active" is a boolean, so it can only be compared with true or false'],
    [`active eq 1`, 11, "only be compared with true or false"],
    [`userName eq "a" and active eq tru`, 31, "only be compared with true or false"],
  ];
  for (const [filter, position, reason] of cases) {
    test(`${JSON.stringify(filter)}: position ${position}, ${reason}`, () => {
      const e = errorOf(filter);
      expect(e.scimType).toBe("invalidFilter");
      expect(e.status).toBe(400);
      expect(e.message).toContain(`at position ${position}:`);
      expect(e.message).toContain(reason);
      expect(e.message).toEndWith("see RFC 7644 section 3.4.2.2.");
    });
  }
  test("the message names the operator list and the attribute", () => {
    expect(errorOf(`userName xx "x"`).message).toBe(
      `The filter is invalid at position 10: expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "userName"; see RFC 7644 section 3.4.2.2.`,
    );
  });
  test("a bare true or false compared with a text attribute is the text as written (Entra's unquoted values)", () => {
    expect(parseFilter(`userName eq true`, USER)).toEqual(eq("userName", "true"));
    expect(parseFilter(`externalId eq False`, USER)).toEqual(eq("externalId", "False"));
    // The attribute compared is the value of a complex one: emails eq compares emails.value, a text.
    expect(parseFilter(`emails eq TRUE`, USER)).toEqual(eq("emails", "TRUE"));
    expect(parseFilter(`emails[value eq false]`, USER)).toEqual({ kind: "valuePath", path: { attribute: "emails" }, filter: eq("value", "false") });
    // A boolean attribute still takes the boolean.
    expect(parseFilter(`active eq True`, USER)).toEqual(eq("active", true));
  });
  test("an apostrophe inside a bare or a double-quoted value is part of it; only a value that starts with one is refused", () => {
    expect(parseFilter(`userName eq O'Brien`, USER)).toEqual(eq("userName", "O'Brien"));
    expect(parseFilter(`displayName eq "Men's Team"`, USER)).toEqual(eq("displayName", "Men's Team"));
    expect(() => parseFilter(`userName eq 'Brien`, USER)).toThrow("double quotes");
  });
  test("a bare number compared with a text attribute is the text it spells (Entra's unquoted values)", () => {
    // Spellings whose number reads back otherwise: as written, not as the number's canonical text.
    expect(parseFilter(`externalId eq 1e3`, USER)).toEqual(eq("externalId", "1e3"));
    expect(parseFilter(`userName eq 1.0`, USER)).toEqual(eq("userName", "1.0"));
    expect(parseFilter(`emails eq -0`, USER)).toEqual(eq("emails", "-0"));
    // Numbers stay numbers elsewhere, and a quoted value is unchanged.
    expect(parseFilter(`externalId eq "1e3"`, USER)).toEqual(eq("externalId", "1e3"));
    expect(parseFilter(`shoeSize eq 42`)).toEqual(eq("shoeSize", 42));
  });
  test("unknown attributes are accepted without a schema and rejected with one", () => {
    expect(parseFilter(`shoeSize eq 42`)).toEqual(eq("shoeSize", 42));
    expect(errorOf(`members.value eq "x"`, USER).message).toContain("not an attribute of User resources");
    expect(parseFilter(`members.value eq "x"`, GROUP)).toEqual(eq("members", "x", { subAttribute: "value" }));
  });
  test("nesting deeper than the limit is rejected, not recursed into", () => {
    const deep = `${"(".repeat(51)}a pr${")".repeat(51)}`;
    expect(() => parseFilter(deep)).toThrow(InvalidFilterError);
    expect(parseFilter(`${"(".repeat(50)}a pr${")".repeat(50)}`)).toEqual({ kind: "present", path: { attribute: "a" } });
    expect(() => parseFilter(`${"not (".repeat(5)}a pr${")".repeat(5)}`, undefined, { maxDepth: 4 })).toThrow("more than 4 levels");
    expect(() => parseFilter("(".repeat(100_000))).toThrow(InvalidFilterError);
  });
  test("overlong input is rejected", () => {
    expect(() => parseFilter(`a eq "${"x".repeat(9000)}"`)).toThrow("characters long");
  });
});

describe("printFilter", () => {
  const round = [
    `userName eq "bjensen"`,
    `a eq 1 or b eq 2 and c eq 3`,
    `(a eq 1 or b eq 2) and c eq 3`,
    `a pr and (b pr and c pr)`,
    `a pr or (b pr or c pr)`,
    `not (a pr or b pr)`,
    `emails[type eq "work" and not (value co "@x")]`,
    `${E}:manager.value eq "u\\"1"`,
    `a eq null and b eq true and c eq -0.5`,
  ];
  for (const text of round) {
    test(`round-trips ${text}`, () => {
      const node = parseFilter(text);
      expect(parseFilter(printFilter(node))).toEqual(node);
    });
  }
  test("prints the canonical form", () => {
    expect(printFilter(parseFilter(`userName EQ "x" AND (title pr OR NOT(active eq TRUE))`))).toBe(
      `userName eq "x" and (title pr or not (active eq true))`,
    );
  });
});

import { afterAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { logic as logicOver } from "../../support/filter-arbitraries.ts";
import { InvalidFilterError } from "../../../src/core/errors.ts";
import type { AttrPath, CompareOp, FilterNode, FilterValue } from "../../../src/core/filter/ast.ts";
import { matchFilter } from "../../../src/core/filter/match-filter.ts";
import { parseFilter } from "../../../src/core/filter/parse-filter.ts";
import { printFilter } from "../../../src/core/filter/print-filter.ts";
import { USER } from "../../../src/core/schema/registry.ts";
import { compileFilter } from "../../../src/storage/filter-to-sql.ts";
import { openFixtureDb, TEST_USER_TARGET } from "../../storage/fixture-db.ts";
import { FILTER_CASES } from "./filter-cases.ts";
import { USERS } from "./filter-fixtures.ts";

const E = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const S = "urn:ietf:params:scim:schemas:extension:scimd:2.0:User";
const OPS: readonly CompareOp[] = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

/** Parses, and reports anything other than a tree or an InvalidFilterError. */
function parsesOrRejects(input: string): boolean {
  for (const rs of [undefined, USER]) {
    try {
      parseFilter(input, rs);
    } catch (e) {
      if (!(e instanceof InvalidFilterError)) return false;
      if (!/^The filter (is invalid at position \d+: .+; see RFC 7644 section 3\.4\.2\.2\.|is \d+ characters long)/.test(e.message)) return false;
    }
  }
  return true;
}

describe("parseFilter never throws anything but InvalidFilterError", () => {
  test("random strings", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60 }), parsesOrRejects), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 60 }), parsesOrRejects), { numRuns: 2000 });
  });
  test("strings over the grammar's own alphabet", () => {
    const alphabet = fc.constantFrom(..."aenotrdqu()[]\"\\.: $-_0123456789eEUR".split(""), " and ", " or ", "not (", " eq ", " pr", "urn:x:");
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 40 }).map((a) => a.join("")), parsesOrRejects), { numRuns: 3000 });
  });
  test("mutated valid filters", () => {
    const base = fc.constantFrom(...FILTER_CASES.map((c) => c.filter));
    const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 4 }), insert: fc.string({ maxLength: 3 }) });
    const mutated = fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([text, edits]) =>
      edits.reduce((s, e) => {
        const i = s.length === 0 ? 0 : e.at % (s.length + 1);
        return s.slice(0, i) + e.insert + s.slice(i + e.cut);
      }, text),
    );
    fc.assert(fc.property(mutated, parsesOrRejects), { numRuns: 4000 });
  });
});

// Generated trees: printable names, never the keyword "not" as an attribute (the grammar reads it as negation).
const name = fc.stringMatching(/^[A-Za-z$][A-Za-z0-9_$-]{0,8}$/).filter((s) => s.toLowerCase() !== "not");
const value: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => Number.isFinite(d) && !Object.is(d, -0)),
  fc.boolean(),
  fc.constant(null),
);
const path = (inner: boolean): fc.Arbitrary<AttrPath> =>
  inner
    ? name.map((attribute) => ({ attribute }))
    : fc
        .tuple(fc.option(fc.constantFrom(E, S), { nil: undefined }), name, fc.option(name, { nil: undefined }))
        .map(([uri, attribute, subAttribute]) => ({
          ...(uri === undefined ? {} : { uri }),
          attribute,
          ...(subAttribute === undefined ? {} : { subAttribute }),
        }));

function tree(inner: boolean): fc.Arbitrary<FilterNode> {
  return fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.record({ kind: fc.constant("compare" as const), path: path(inner), op: fc.constantFrom(...OPS), value }),
      fc.record({ kind: fc.constant("present" as const), path: path(inner) }),
      fc.record({ kind: fc.constant("and" as const), left: tie("node"), right: tie("node") }),
      fc.record({ kind: fc.constant("or" as const), left: tie("node"), right: tie("node") }),
      fc.record({ kind: fc.constant("not" as const), expr: tie("node") }),
      ...(inner ? [] : [fc.record({ kind: fc.constant("valuePath" as const), path: name.map((attribute) => ({ attribute })), filter: tree(true) })]),
    ),
  })).node;
}

describe("printFilter", () => {
  test("parse(print(tree)) equals the tree", () => {
    fc.assert(
      fc.property(tree(false), (node) => {
        expect(parseFilter(printFilter(node))).toEqual(node);
      }),
      { numRuns: 1500 },
    );
  });
});

describe("matchFilter and SQL agree on the fixture users", () => {
  const db = openFixtureDb();
  afterAll(() => db.close());

  // Values drawn from the fixtures (so comparisons hit) plus ASCII noise: SQLite's lower() folds ASCII only.
  const fixtureStrings = ["alice@contoso.com", "ALICE@CONTOSO.COM", "Engineer", "engineer", "Sales", "Paris", "u1", "u3", "EXT-2", "ext-3", "work", "home", "@contoso.com", "zoë@contoso.com", "2024-05-01T00:00:00Z", "2024-03-01T10:00:00.000Z", "", "a", "e", "g1", "1001"];
  const literal: fc.Arbitrary<FilterValue> = fc.oneof(
    fc.constantFrom(...fixtureStrings),
    fc.string({ unit: fc.constantFrom(..."abcdeijklmnorstuwACEGS@.-_%0123456789 ".split("")), maxLength: 6 }),
    fc.constantFrom(true, false, null, 100, 1001),
  );
  const topPaths: AttrPath[] = [
    { attribute: "userName" },
    { attribute: "displayName" },
    { attribute: "title" },
    { attribute: "active" },
    { attribute: "externalId" },
    { attribute: "id" },
    { attribute: "emails" },
    { attribute: "emails", subAttribute: "value" },
    { attribute: "emails", subAttribute: "type" },
    { attribute: "emails", subAttribute: "primary" },
    { attribute: "name" },
    { attribute: "name", subAttribute: "givenName" },
    { attribute: "name", subAttribute: "familyName" },
    { attribute: "groups", subAttribute: "value" },
    { attribute: "groups" },
    { attribute: "addresses", subAttribute: "locality" },
    { uri: E, attribute: "department" },
    { uri: E, attribute: "employeeNumber" },
    { uri: E, attribute: "manager", subAttribute: "value" },
    { uri: E, attribute: "manager" },
    { uri: S, attribute: "site" },
    { attribute: "meta", subAttribute: "created" },
    { attribute: "meta", subAttribute: "lastModified" },
  ];
  const emailSubs: AttrPath[] = [{ attribute: "value" }, { attribute: "type" }, { attribute: "primary" }];
  const leaf = (paths: AttrPath[]) =>
    fc.oneof(
      fc.record({ kind: fc.constant("compare" as const), path: fc.constantFrom(...paths), op: fc.constantFrom(...OPS), value: literal }),
      fc.record({ kind: fc.constant("present" as const), path: fc.constantFrom(...paths) }),
    );
  const logic = (atom: fc.Arbitrary<FilterNode>) => logicOver(atom) as fc.Arbitrary<FilterNode>;
  const emailPath = fc.record({
    kind: fc.constant("valuePath" as const),
    path: fc.constant({ attribute: "emails" }),
    filter: logic(leaf(emailSubs)),
  });
  const filter = logic(fc.oneof({ weight: 4, arbitrary: leaf(topPaths) }, { weight: 1, arbitrary: emailPath }));

  test("the same users match in memory and in SQLite", () => {
    fc.assert(
      fc.property(filter, (node) => {
        const inMemory = USERS.filter((u) => matchFilter(node, u, USER)).map((u) => u.id as string).sort();
        const { sql, params } = compileFilter(node, USER, TEST_USER_TARGET);
        const rows = db.query(`SELECT u.id AS id FROM scim_users AS u WHERE ${sql}`).all(...params) as { id: string }[];
        expect(rows.map((r) => r.id).sort()).toEqual(inMemory);
      }),
      { numRuns: 600 },
    );
  });
});

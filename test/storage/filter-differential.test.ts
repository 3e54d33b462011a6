// Differential property test: random schema-valid Users, stored through the SQLite repository, and random
// RFC 7644 §3.4.2.2 filters over them; the ids matchFilter accepts on the rendered resources must be the
// ids repository.list (compileFilter's SQL) returns.
//
// Deterministic by default. To hunt: FILTER_SEED=<n> FILTER_RUNS=<n> bun test test/storage/filter-differential.test.ts
//
// Known limit (storage/filter-to-sql.ts header): values read from the JSON column are folded in SQL by lower()
// (ASCII) plus a replace() of each capital whose lower case is in the literal. That makes eq, ne, co, sw and ew
// agree with toLowerCase() (the table test at the end covers É, Иванов, İ, Ö, ẞ), but gt/ge/lt/le can still
// order a capital the literal does not contain differently. The random test avoids that limit ONLY by
// restricting the characters stored in those attributes: a non-ASCII character that toLowerCase() changes
// is replaced by its lower case there (foldSafe below). userName (a JS-folded column) and caseExact attributes
// (externalId, id, manager.value, manager.$ref) keep the full alphabet, and filter literals are never
// restricted. emails.value is restricted too when read from the JSON (inside a value filter that also names
// another sub-attribute). FILTER_FULL_UNICODE=1 lifts the restriction and shows the ordering limit.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { logic as logicOver } from "../support/filter-arbitraries.ts";
import type { AttrPath, CompareOp, FilterNode, FilterValue } from "../../src/core/filter/ast.ts";
import { matchFilter } from "../../src/core/filter/match-filter.ts";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import { printFilter } from "../../src/core/filter/print-filter.ts";
import { readResourceInput } from "../../src/core/resource/deserialize.ts";
import { withMeta } from "../../src/core/resource/serialize.ts";
import type { ScimResource } from "../../src/core/resource/types.ts";
import { USER } from "../../src/core/schema/registry.ts";
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { openStorage } from "../../src/storage/open-storage.ts";

const SEED = Number(process.env.FILTER_SEED ?? 424242);
const RUNS = Number(process.env.FILTER_RUNS ?? 600);
const FULL_UNICODE = process.env.FILTER_FULL_UNICODE === "1";

const E = ENTERPRISE_USER_SCHEMA;
const S = SCIMD_USER_SCHEMA;
const C = USER_SCHEMA;
const OPS: readonly CompareOp[] = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

// ---- text -------------------------------------------------------------------------------------------

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
/** What SQLite's lower() and JS toLowerCase() agree on: non-ASCII characters with case are lower-cased. */
const foldSafe = (s: string) =>
  asciiLower(s) === s.toLowerCase() ? s : Array.from(s, (c) => (asciiLower(c) === c.toLowerCase() ? c : c.toLowerCase())).join("");

const CASED_NON_ASCII = ["É", "İ", "Σ", "Ä", "Ø", "\u212A", "ẞ", "Ö"];
const CHARS = [..."aAbBeEiIkKsS019@.-_% '\"\\", "é", "ß", "ø", "ı", "ü", "ς", "\u0301", "😀", "北", ...CASED_NON_ASCII];
const WORDS = [
  "alice", "Alice", "ALICE", "alice@contoso.com", "Alice@Contoso.COM", "Engineering", "engineering", "Sales",
  "work", "Work", "WORK", "home", "other", "1001", "0999", "100", "1e3", "true", "False",
  "ÉCOLE", "école", "Ecole", "straße", "STRASSE", "strasse", "İstanbul", "istanbul", "ISTANBUL", "Öztürk",
  "😀", "team😀", "Zoë", "ZOË", "O'Neil", "50%", "a_b", "", " ", "2024-05-01T00:00:00.000Z",
];
const randomText = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 6 });
/** Any text: for userName (a JS-folded column) and caseExact attributes. */
const text = fc.oneof({ arbitrary: fc.constantFrom(...WORDS), weight: 3 }, { arbitrary: randomText, weight: 2 });
/** Text for case-insensitive attributes read from the JSON column (see the header). */
const ciText = FULL_UNICODE ? text : text.map(foldSafe);

// ---- users ------------------------------------------------------------------------------------------

const DATES = ["2024-05-01T00:00:00.000Z", "2024-05-01T12:30:00.500Z", "1999-12-31T23:59:59.999Z", "2030-01-01T00:00:00.000Z"];
const date = fc.oneof(
  fc.constantFrom(...DATES),
  fc.date({ min: new Date("1998-01-01T00:00:00Z"), max: new Date("2032-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString()),
);
const type = (canonical: string[]) => fc.oneof(fc.constantFrom(...canonical, ...canonical.map((t) => t.toUpperCase()), "Work"), ciText);
const opt = { requiredKeys: [] as never[] };

// Any sub-attribute may be missing, value included: RFC 7643 §4.1.2 does not require it, and readResourceInput
// keeps {"type": "work"}. The user_emails side table holds only values, so these elements matter.
const emailArb = fc.record({ value: ciText, type: type(["work", "home", "other"]), primary: fc.boolean(), display: ciText }, opt);
const phoneArb = fc.record({ value: ciText, type: type(["work", "mobile"]), primary: fc.boolean() }, opt);
const addressArb = fc.record({ locality: ciText, country: ciText, type: type(["work", "home"]), primary: fc.boolean() }, opt);
const managerArb = fc.record({ value: text, $ref: text, displayName: ciText }, opt);

/** A POST body, as an identity provider might send it (Entra's "True", numbers for strings, manager as [x]). */
const userBody = fc.record(
  {
    userName: text.filter((s) => s.trim() !== ""),
    externalId: fc.oneof(text, fc.integer({ min: 0, max: 2000 })),
    name: fc.record({ givenName: ciText, familyName: ciText, formatted: ciText }, opt),
    displayName: ciText,
    nickName: ciText,
    title: ciText,
    active: fc.constantFrom<boolean | string>(true, false, "True", "false"),
    emails: fc.array(emailArb, { maxLength: 3 }),
    phoneNumbers: fc.array(phoneArb, { maxLength: 2 }),
    addresses: fc.array(addressArb, { maxLength: 2 }),
    [E]: fc.record(
      {
        department: ciText,
        employeeNumber: fc.oneof(ciText, fc.integer({ min: 0, max: 2000 })),
        costCenter: ciText,
        manager: fc.oneof(managerArb, managerArb.map((m) => [m])),
      },
      opt,
    ),
    [S]: fc.record({ site: ciText }, opt),
  },
  { requiredKeys: ["userName"] },
);

const GROUP_IDS = ["g1", "G2", "g3"];
const userArb = fc.record({ body: userBody, created: date, lastModified: date, groups: fc.subarray(GROUP_IDS) });
// userName is unique without regard to case (the user_name_folded index).
const usersArb = fc.uniqueArray(userArb, { selector: (u) => u.body.userName.toLowerCase(), minLength: 1, maxLength: 6 });
type GenUser = typeof userArb extends fc.Arbitrary<infer T> ? T : never;

// ---- filters ----------------------------------------------------------------------------------------

/** A literal, or a reference to a value stored in this run's users (resolved against them, transformed). */
type Lit = { readonly v: FilterValue } | { readonly pick: number; readonly how: Transform };
type Transform = "same" | "upper" | "lower" | "prefix" | "suffix" | "infix" | "offset" | "dateOnly";
const TRANSFORMS: Transform[] = ["same", "same", "upper", "lower", "prefix", "suffix", "infix", "offset", "dateOnly"];

const literal: fc.Arbitrary<Lit> = fc.oneof(
  { arbitrary: fc.record({ pick: fc.nat(), how: fc.constantFrom(...TRANSFORMS) }), weight: 5 },
  { arbitrary: text.map((v) => ({ v })), weight: 3 },
  {
    arbitrary: fc.constantFrom<FilterValue>(
      true, false, null, 0, 100, 1001, -1, 1.5, 1e21, "True", "2024-05-01", "2024-05-01T02:00:00+02:00", "2024-05-01T00:00:00", "not a date",
    ).map((v) => ({ v })),
    weight: 2,
  },
);

type Node =
  | { kind: "compare"; path: AttrPath; op: CompareOp; value: Lit }
  | { kind: "present"; path: AttrPath }
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "not"; expr: Node }
  | { kind: "valuePath"; path: AttrPath; filter: Node };

const p = (attribute: string, subAttribute?: string, uri?: string): AttrPath => ({
  ...(uri ? { uri } : {}),
  attribute,
  ...(subAttribute ? { subAttribute } : {}),
});
const TOP_PATHS: AttrPath[] = [
  p("userName"), p("USERNAME"), p("userName", undefined, C), p("displayName"), p("nickName"), p("title"), p("title", undefined, C),
  p("active"), p("externalId"), p("id"),
  p("name"), p("name", "givenName"), p("name", "familyName"), p("name", "formatted"), p("Name", "GivenName"),
  p("emails"), p("emails", "value"), p("Emails", "Value"), p("emails", "type"), p("emails", "primary"), p("emails", "display"),
  p("phoneNumbers"), p("phoneNumbers", "value"), p("phoneNumbers", "type"), p("phoneNumbers", "primary"),
  p("addresses"), p("addresses", "locality"), p("addresses", "type"), p("addresses", "primary"),
  p("groups"), p("groups", "value"),
  p("department", undefined, E), p("employeeNumber", undefined, E), p("costCenter", undefined, E),
  p("manager", undefined, E), p("manager", "value", E), p("manager", "$ref", E), p("manager", "displayName", E),
  p("site", undefined, S),
  p("meta", "created"), p("meta", "lastModified"),
];
const VALUE_PATHS: [AttrPath, string[]][] = [
  [p("emails"), ["value", "type", "primary", "display"]],
  [p("emails"), ["value"]], // covered by the user_emails side table
  [p("phoneNumbers"), ["value", "type", "primary"]],
  [p("addresses"), ["locality", "country", "type", "primary"]],
  [p("name"), ["givenName", "familyName", "formatted"]],
  [p("manager", undefined, E), ["value", "$ref", "displayName"]],
  [p("groups"), ["value"]],
];

const leaf = (paths: AttrPath[]): fc.Arbitrary<Node> =>
  fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant("compare" as const), path: fc.constantFrom(...paths), op: fc.constantFrom(...OPS), value: literal }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant("present" as const), path: fc.constantFrom(...paths) }), weight: 1 },
  );
const logic = (atom: fc.Arbitrary<Node>) => logicOver(atom) as fc.Arbitrary<Node>;
const valuePath: fc.Arbitrary<Node> = fc.constantFrom(...VALUE_PATHS).chain(([path, subs]) =>
  logic(leaf(subs.map((s) => p(s)))).map((filter) => ({ kind: "valuePath" as const, path, filter })),
);
const filterArb = logic(fc.oneof({ arbitrary: leaf(TOP_PATHS), weight: 3 }, { arbitrary: valuePath, weight: 1 }));

// ---- resolving literals against the stored users ----------------------------------------------------

function stringsIn(v: unknown, out: string[]): string[] {
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => stringsIn(x, out));
  else if (v && typeof v === "object") Object.entries(v).forEach(([k, x]) => k !== "schemas" && stringsIn(x, out));
  return out;
}

/** Shifts an ISO instant into a +05:30 offset spelling of the same instant. */
function withOffset(iso: string): string | undefined {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const local = new Date(t + 330 * 60_000).toISOString().slice(0, 23);
  return `${local}+05:30`;
}

function transform(s: string, how: Transform): string {
  const cps = Array.from(s);
  const third = Math.max(1, Math.floor(cps.length / 3));
  switch (how) {
    case "same": return s;
    case "upper": return s.toUpperCase();
    case "lower": return s.toLowerCase();
    case "prefix": return cps.slice(0, cps.length - third).join("");
    case "suffix": return cps.slice(third).join("");
    case "infix": return cps.slice(third, cps.length - third).join("");
    case "offset": return withOffset(s) ?? s;
    case "dateOnly": return s.slice(0, 10);
  }
}

function resolve(node: Node, pool: readonly string[]): FilterNode {
  switch (node.kind) {
    case "compare": {
      const lit = node.value;
      const value = "v" in lit ? lit.v : pool.length === 0 ? "" : transform(pool[lit.pick % pool.length]!, lit.how);
      return { kind: "compare", path: node.path, op: node.op, value };
    }
    case "present":
      return node;
    case "and":
    case "or":
      return { kind: node.kind, left: resolve(node.left, pool), right: resolve(node.right, pool) };
    case "not":
      return { kind: "not", expr: resolve(node.expr, pool) };
    case "valuePath":
      return { kind: "valuePath", path: node.path, filter: resolve(node.filter, pool) };
  }
}

// ---- the property -----------------------------------------------------------------------------------

const stats = { filters: 0, discriminating: 0 };

async function check(users: readonly GenUser[], filters: readonly Node[]): Promise<void> {
  const storage = openStorage(":memory:");
  try {
    const repo = storage.repo;
    const rendered: ScimResource[] = [];
    const pool: string[] = [...GROUP_IDS];
    await repo.write(async (tx) => {
      for (const g of GROUP_IDS)
        await tx.insert("Group", { id: g, data: { schemas: [GROUP_SCHEMA], displayName: `group ${g}` }, version: 1, created: DATES[0]!, lastModified: DATES[0]! });
      for (const [i, u] of users.entries()) {
        // The service's create path: the body as stored, then the resource as GET renders it.
        const id = i % 2 === 0 ? `u${i}` : `U-${i}`;
        const data = readResourceInput(u.body, USER);
        await tx.insert("User", { id, data, version: 1, created: u.created, lastModified: u.lastModified });
        for (const g of u.groups) await tx.addMembers(g, [{ id, type: "User" }]);
        const groups = u.groups.map((g) => ({ value: g, display: `group ${g}`, type: "direct" }));
        const out: ScimResource = { ...data, id, ...(groups.length ? { groups } : {}) };
        rendered.push(withMeta(out, { resourceType: "User", created: u.created, lastModified: u.lastModified, version: 1, location: `/Users/${id}` }));
        pool.push(id, u.created, u.lastModified, ...stringsIn(data, []));
      }
    });
    for (const f of filters) {
      const node = resolve(f, pool);
      const inMemory = rendered.filter((r) => matchFilter(node, r, USER)).map((r) => r.id as string).sort();
      const listed = (await repo.list("User", { filter: node, startIndex: 1, count: 1000 })).resources.map((r) => r.id).sort();
      if (rendered.length >= 2) {
        stats.filters++;
        if (inMemory.length > 0 && inMemory.length < rendered.length) stats.discriminating++;
      }
      if (JSON.stringify(inMemory) !== JSON.stringify(listed))
        throw new Error(
          `filter ${printFilter(node)}\n  matchFilter: ${JSON.stringify(inMemory)}\n  SQL:         ${JSON.stringify(listed)}\n  users: ${JSON.stringify(rendered.map(({ schemas: _s, meta, ...r }) => ({ ...r, created: meta && (meta as { created: string }).created })))}`,
        );
    }
  } finally {
    storage.close();
  }
}

describe("matchFilter and repository.list agree on random users and filters", () => {
  test(`differential (seed ${SEED}, ${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(usersArb, fc.array(filterArb, { minLength: 1, maxLength: 4 }), check),
      { seed: SEED, numRuns: RUNS },
    );
    // Guards the generators: most filters must select some but not all users, or the test proves little.
    expect(stats.discriminating / stats.filters).toBeGreaterThan(0.2);
  }, 120_000);
});

describe("case-insensitive comparisons on values read from the JSON column fold non-ASCII capitals too", () => {
  const people: [string, Record<string, unknown>][] = [
    ["emilie", { displayName: "Émilie Dubois", title: "ÉCONOMISTE", [E]: { department: "Économie" } }],
    ["ivan", { displayName: "Иван Иванов", name: { familyName: "Иванов" } }],
    ["ayse", { displayName: "Ayşe", title: "İstanbul Office" }],
    ["anna", { displayName: "ANNA STRAẞE", title: "Ökonomin" }],
    ["plain", { displayName: "Emilie Dubois", title: "economist" }],
  ];
  const filters = [
    `displayName eq "Émilie Dubois"`, `displayName eq "émilie dubois"`, `displayName eq "ÉMILIE DUBOIS"`, `displayName co "émilie"`,
    `displayName sw "ÉM"`, `displayName ew "DUBOIS"`, `name.familyName eq "иванов"`, `displayName co "ИВАНОВ"`,
    `${E}:department eq "économie"`, `title sw "éco"`, `title eq "i̇stanbul office"`, `title co "ökonom"`, `displayName co "straße"`,
    `displayName ne "émilie dubois"`, `not (title co "ÉCO")`, `displayName eq "Emilie Dubois"`,
  ];
  test.each(filters)("%s", async (filter) => {
    const storage = openStorage(":memory:");
    try {
      const rendered: ScimResource[] = [];
      await storage.repo.write(async (tx) => {
        for (const [id, extra] of people) {
          const data = readResourceInput({ schemas: [C], userName: `${id}@example.com`, ...extra }, USER);
          await tx.insert("User", { id, data, version: 1, created: DATES[0]!, lastModified: DATES[0]! });
          rendered.push(withMeta({ ...data, id }, { resourceType: "User", created: DATES[0]!, lastModified: DATES[0]!, version: 1, location: `/Users/${id}` }));
        }
      });
      const node = parseFilter(filter, USER);
      const inMemory = rendered.filter((r) => matchFilter(node, r, USER)).map((r) => r.id as string).sort();
      const listed = (await storage.repo.list("User", { filter: node, startIndex: 1, count: 100 })).resources.map((r) => r.id).sort();
      expect(listed).toEqual(inMemory);
      expect(inMemory.length).toBeGreaterThan(0);
    } finally {
      storage.close();
    }
  });
});

test("a filter that would fold more than 64 different non-ASCII capitals is a 400, not a 500 or a stalled server", async () => {
  // 1,000 different lower-case letters of the Latin, Greek and Cyrillic blocks: a replace() each, past SQLite's
  // nesting limit (and seconds per query on a large directory).
  const letters = Array.from({ length: 0x52f - 0xe0 }, (_, i) => String.fromCodePoint(0xe0 + i)).filter((c) => c.toUpperCase() !== c && c.toUpperCase().toLowerCase() === c);
  expect(letters.length).toBeGreaterThan(300);
  const storage = openStorage(":memory:");
  try {
    const node = parseFilter(`displayName co ${JSON.stringify(letters.join(""))}`, USER);
    await expect(storage.repo.list("User", { filter: node, startIndex: 1, count: 10 })).rejects.toThrow("more than 64 different non-ASCII letters");
    const fine = parseFilter(`displayName co ${JSON.stringify(letters.slice(0, 40).join(""))}`, USER);
    expect((await storage.repo.list("User", { filter: fine, startIndex: 1, count: 10 })).totalResults).toBe(0);
  } finally {
    storage.close();
  }
});

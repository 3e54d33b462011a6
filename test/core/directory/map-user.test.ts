// The seed's mapping from a SCIM User to the directory record (README, "Integration contract"), table-driven.
import { describe, expect, test } from "bun:test";
import { diffFields, mapUser, pickTyped, type MapOptions, type ReferenceLists } from "../../../src/core/directory/map-user.ts";
import { InvalidValueError } from "../../../src/core/errors.ts";
import type { DirectoryFields } from "../../../src/core/repository.ts";
import type { ScimResource } from "../../../src/core/resource/types.ts";
import { ENTERPRISE_USER_SCHEMA, SCIMD_USER_SCHEMA, USER_SCHEMA } from "../../../src/core/schema/urns.ts";
import { EMPTY_FIELDS } from "../../support/directory-fields.ts";

const NO_REFS: ReferenceLists = { departments: [], companies: [], sites: [] };
const REFS: ReferenceLists = { departments: ["Engineering", "Sales"], companies: ["Contoso Ltd"], sites: ["Paris", "New York"] };
const IGNORE: MapOptions = { references: NO_REFS, unknownReference: "ignore" };
const KNOWN: MapOptions = { references: REFS, unknownReference: "ignore" };
const REJECT: MapOptions = { references: REFS, unknownReference: "reject" };

const EMPTY: DirectoryFields = EMPTY_FIELDS;

const PREVIOUS: DirectoryFields = { ...EMPTY, department: "Sales", company: "Contoso Ltd", site: "Paris" };

const user = (extra: Record<string, unknown> = {}): ScimResource => ({ schemas: [USER_SCHEMA], userName: "alice@contoso.com", ...extra }) as ScimResource;
const ent = (v: Record<string, unknown>) => ({ [ENTERPRISE_USER_SCHEMA]: v });
const scimd = (v: Record<string, unknown>) => ({ [SCIMD_USER_SCHEMA]: v });

interface Case {
  name: string;
  resource: ScimResource;
  previous?: DirectoryFields | null;
  opts?: MapOptions;
  /** The fields that differ from EMPTY. */
  expected: Partial<DirectoryFields>;
  warnings?: number;
}

const CASES: Case[] = [
  { name: "a minimal user maps to an active record with every field null", resource: user(), expected: {} },
  // active
  { name: "active true", resource: user({ active: true }), expected: { active: true } },
  { name: "active false", resource: user({ active: false }), expected: { active: false } },
  { name: "active absent means active", resource: user(), expected: { active: true } },
  // plain attributes
  { name: "description <- displayName", resource: user({ displayName: "Alice Smith" }), expected: { description: "Alice Smith" } },
  { name: "profession <- title", resource: user({ title: "Engineer" }), expected: { profession: "Engineer" } },
  {
    name: "firstName/lastName <- name.givenName/familyName",
    resource: user({ name: { givenName: "Alice", familyName: "Smith", formatted: "Alice Smith" } }),
    expected: { firstName: "Alice", lastName: "Smith" },
  },
  { name: "an empty string is null", resource: user({ displayName: "", title: "" }), expected: {} },
  { name: "employeeCode <- enterprise employeeNumber", resource: user(ent({ employeeNumber: "E-1001" })), expected: { employeeCode: "E-1001" } },
  // email: the work email, primary if several, the only one if one
  {
    name: "the only work email",
    resource: user({ emails: [{ value: "home@x.com", type: "home" }, { value: "work@x.com", type: "work" }] }),
    expected: { email: "work@x.com" },
  },
  {
    name: "the primary of several work emails",
    resource: user({ emails: [{ value: "a@x.com", type: "work" }, { value: "b@x.com", type: "work", primary: true }] }),
    expected: { email: "b@x.com" },
  },
  {
    name: "a primary home email is not the work email",
    resource: user({ emails: [{ value: "home@x.com", type: "home", primary: true }, { value: "work@x.com", type: "work" }] }),
    expected: { email: "work@x.com" },
  },
  { name: "no work email: null", resource: user({ emails: [{ value: "home@x.com", type: "home", primary: true }] }), expected: {} },
  { name: "an email without a type is not the work email", resource: user({ emails: [{ value: "x@x.com" }] }), expected: {} },
  { name: "type compared without regard to case", resource: user({ emails: [{ value: "w@x.com", type: "Work" }] }), expected: { email: "w@x.com" } },
  {
    name: "several work emails, none primary: none chosen",
    resource: user({ emails: [{ value: "a@x.com", type: "work" }, { value: "b@x.com", type: "work" }] }),
    expected: {},
  },
  // phones
  {
    name: "phone <- work, mobile <- mobile",
    resource: user({ phoneNumbers: [{ value: "+1 555 0100", type: "work" }, { value: "+1 555 0199", type: "mobile" }, { value: "+1 555 0000", type: "home" }] }),
    expected: { phone: "+1 555 0100", mobile: "+1 555 0199" },
  },
  {
    name: "the primary of several mobiles",
    resource: user({ phoneNumbers: [{ value: "m1", type: "mobile" }, { value: "m2", type: "mobile", primary: true }] }),
    expected: { mobile: "m2" },
  },
  { name: "a fax number is neither", resource: user({ phoneNumbers: [{ value: "f", type: "fax" }] }), expected: {} },
  // reference values with empty lists: anything goes
  {
    name: "empty reference lists accept any department, company and site",
    resource: user({ ...ent({ department: "Anything", organization: "Whoever" }), ...scimd({ site: "Mars" }) }),
    expected: { department: "Anything", company: "Whoever", site: "Mars" },
  },
  // known reference values
  {
    name: "known values are matched without regard to case and stored with the configured spelling",
    resource: user({ ...ent({ department: "ENGINEERING", organization: "contoso ltd" }), ...scimd({ site: "new york" }) }),
    opts: KNOWN,
    expected: { department: "Engineering", company: "Contoso Ltd", site: "New York" },
  },
  {
    name: "an unknown department keeps the previous value and warns",
    resource: user(ent({ department: "Marketing" })),
    previous: PREVIOUS,
    opts: KNOWN,
    expected: { department: "Sales" },
    warnings: 1,
  },
  {
    name: "an unknown value without a previous record stays null and warns",
    resource: user({ ...ent({ department: "Marketing", organization: "Fabrikam" }), ...scimd({ site: "Mars" }) }),
    opts: KNOWN,
    expected: {},
    warnings: 3,
  },
  {
    name: "unknown company and site keep their previous values",
    resource: user({ ...ent({ department: "sales", organization: "Fabrikam" }), ...scimd({ site: "Mars" }) }),
    previous: PREVIOUS,
    opts: KNOWN,
    expected: { department: "Sales", company: "Contoso Ltd", site: "Paris" },
    warnings: 2,
  },
  {
    name: "a known value replaces the previous one",
    resource: user({ ...ent({ department: "engineering" }), ...scimd({ site: "NEW YORK" }) }),
    previous: PREVIOUS,
    opts: KNOWN,
    expected: { department: "Engineering", site: "New York" },
  },
];

describe("mapUser", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const out = mapUser(c.resource, c.previous ?? null, c.opts ?? IGNORE);
      expect(out.username).toBe(String(c.resource.userName));
      expect(out.fields).toEqual({ ...EMPTY, ...c.expected });
      expect(out.warnings).toHaveLength(c.warnings ?? 0);
    });
  }

  test("username is the userName as sent", () => {
    expect(mapUser(user({ userName: "Bob.Jones@Contoso.com" }), null, IGNORE).username).toBe("Bob.Jones@Contoso.com");
  });

  test("a warning names the unknown value and the attribute", () => {
    const { warnings } = mapUser(user(ent({ department: "Marketing" })), null, KNOWN);
    expect(warnings[0]).toContain("Marketing");
    expect(warnings[0]).toContain(`${ENTERPRISE_USER_SCHEMA}:department`);
  });

  const rejects: [string, ScimResource, string][] = [
    ["department", user(ent({ department: "Marketing" })), `${ENTERPRISE_USER_SCHEMA}:department`],
    ["company", user(ent({ organization: "Fabrikam" })), `${ENTERPRISE_USER_SCHEMA}:organization`],
    ["site", user(scimd({ site: "Mars" })), `${SCIMD_USER_SCHEMA}:site`],
  ];
  for (const [label, resource, attribute] of rejects)
    test(`unknown_reference = "reject": an unknown ${label} is an invalidValue naming ${attribute}`, () => {
      let err: unknown;
      try {
        mapUser(resource, PREVIOUS, REJECT);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidValueError);
      expect((err as InvalidValueError).scimType).toBe("invalidValue");
      expect((err as InvalidValueError).status).toBe(400);
      expect((err as Error).message).toContain(attribute);
    });

  test(`unknown_reference = "reject" still accepts known values in any case`, () => {
    expect(mapUser(user(ent({ department: "sales" })), null, REJECT).fields.department).toBe("Sales");
  });

  test("is pure: the resource and previous record are not changed", () => {
    const r = user({ ...ent({ department: "Marketing" }), emails: [{ value: "a@x.com", type: "work" }] });
    const before = structuredClone(r);
    const prev = { ...PREVIOUS };
    mapUser(r, prev, KNOWN);
    expect(r).toEqual(before);
    expect(prev).toEqual(PREVIOUS);
  });
});

describe("pickTyped", () => {
  const cases: [string, unknown, string, string | null][] = [
    ["not an array", "x", "work", null],
    ["empty", [], "work", null],
    ["one of the type", [{ value: "a", type: "work" }], "work", "a"],
    ["one of the type, in another case", [{ value: "a", type: "WORK" }], "work", "a"],
    ["primary of several", [{ value: "a", type: "work" }, { value: "b", type: "work", primary: true }], "work", "b"],
    ["none of the type", [{ value: "a", type: "home" }], "work", null],
    ["skips non-objects", [null, 3, { value: "a", type: "work" }], "work", "a"],
    ["an empty value is null", [{ value: "", type: "work" }], "work", null],
  ];
  for (const [name, values, type, expected] of cases) test(name, () => expect(pickTyped(values, type)).toBe(expected));
});

describe("diffFields", () => {
  test("lists only changed fields, with before and after", () => {
    expect(diffFields(PREVIOUS, { ...PREVIOUS, department: "Engineering", active: false })).toEqual({
      department: { before: "Sales", after: "Engineering" },
      active: { before: true, after: false },
    });
    expect(diffFields(PREVIOUS, PREVIOUS)).toEqual({});
  });
});

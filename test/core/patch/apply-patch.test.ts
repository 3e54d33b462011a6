import { describe, expect, test } from "bun:test";
import { isScimError, type ScimType } from "../../../src/core/errors.ts";
import { applyPatch } from "../../../src/core/patch/apply-patch.ts";
import { parsePatchRequest } from "../../../src/core/patch/parse-patch.ts";
import type { ScimResource } from "../../../src/core/resource/types.ts";
import { GROUP, USER } from "../../../src/core/schema/registry.ts";
import { GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_SCHEMA } from "../../../src/core/schema/urns.ts";
import { body, E, fullUser, patch, thrown } from "./patch-helpers.ts";

type Case = [name: string, ops: unknown[], check: (r: ScimResource) => void];

const ext = (r: ScimResource) => r[E] as Record<string, unknown> | undefined;
const emails = (r: ScimResource) => r.emails as Record<string, unknown>[];
const MANAGER = "26118915-6090-4610-87e4-49d8ca9f808d";

function runCases(cases: Case[]): void {
  test.each(cases)("%s", (_name, ops, check) => {
    const input = fullUser();
    const before = structuredClone(input);
    check(patch(input, ops));
    expect(input).toEqual(before);
  });
}

describe("add (RFC 7644 §3.5.2.1)", () => {
  runCases([
    ["sets a simple attribute", [{ op: "add", path: "nickName", value: "Babs" }], (r) => expect(r.nickName).toBe("Babs")],
    ["replaces a single-valued attribute", [{ op: "add", path: "title", value: "Boss" }], (r) => expect(r.title).toBe("Boss")],
    ["writes the canonical spelling of a case-insensitive path", [{ op: "add", path: "NICKNAME", value: "B" }], (r) => {
      expect(r.nickName).toBe("B");
      expect(r.NICKNAME).toBeUndefined();
    }],
    ["appends to a multi-valued attribute", [{ op: "add", path: "emails", value: [{ value: "x@y.z", type: "other" }] }], (r) => expect(emails(r)).toHaveLength(3)],
    ["wraps a single object for a multi-valued attribute", [{ op: "add", path: "emails", value: { value: "x@y.z" } }], (r) => expect(emails(r)).toHaveLength(3)],
    ["does not add an exact duplicate", [{ op: "add", path: "emails", value: [{ value: "babs@jensen.org", type: "home" }] }], (r) => expect(emails(r)).toHaveLength(2)],
    ["merges a re-added value (same value and type) instead of duplicating it", [{ op: "add", path: "emails", value: [{ value: "BABS@jensen.org", type: "home", display: "Babs" }] }], (r) => {
      expect(emails(r)).toHaveLength(2);
      expect(emails(r)[1]).toEqual({ value: "BABS@jensen.org", type: "home", display: "Babs" });
    }],
    ["merges sub-attributes into a complex attribute", [{ op: "add", path: "name", value: { middleName: "J" } }], (r) => expect(r.name).toEqual({ formatted: "Ms. Barbara J Jensen III", familyName: "Jensen", givenName: "Barbara", middleName: "J" })],
    ["sets a sub-attribute", [{ op: "add", path: "name.honorificPrefix", value: "Ms." }], (r) => expect((r.name as Record<string, unknown>).honorificPrefix).toBe("Ms.")],
    ["creates the complex parent of a sub-attribute", [{ op: "remove", path: "name" }, { op: "add", path: "name.givenName", value: "B" }], (r) => expect(r.name).toEqual({ givenName: "B" })],
    ["sets a sub-attribute on every element without a filter", [{ op: "add", path: "emails.display", value: "d" }], (r) => expect(emails(r).every((e) => e.display === "d")).toBe(true)],
    ["several marked primary in one added value: the first keeps it, as in a POST", [{ op: "add", path: "emails", value: [{ value: "p1@x", primary: true }, { value: "p2@x", primary: true }] }], (r) => {
      expect(emails(r).filter((e) => e.primary === true)).toEqual([{ value: "p1@x", primary: true }]);
      expect(emails(r).find((e) => e.value === "p2@x")?.primary).toBe(false);
    }],
    ["the same value twice, both primary: it keeps primary, and the old primary loses it", [{ op: "add", path: "emails", value: [{ value: "n@x", type: "home", primary: true }, { value: "n@x", type: "home", primary: true }] }], (r) => {
      expect(emails(r).filter((e) => e.primary === true)).toEqual([{ value: "n@x", type: "home", primary: true }]);
    }],
    ["the primary value added again with a display: it stays primary", [{ op: "add", path: "emails", value: [{ value: "bjensen@example.com", type: "work", primary: true }, { value: "bjensen@example.com", type: "work", display: "d" }] }], (r) => {
      expect(emails(r).filter((e) => e.primary === true)).toEqual([{ value: "bjensen@example.com", type: "work", primary: true, display: "d" }]);
    }],
    ["a replace of the whole list with several primary: the first keeps it, as in a POST", [{ op: "replace", path: "emails", value: [{ value: "a@x", primary: true }, { value: "b@x", primary: true }] }], (r) => {
      expect(emails(r)).toEqual([{ value: "a@x", primary: true }, { value: "b@x", primary: false }]);
    }],
    ["a filter that marks several primary: the first of them keeps it", [{ op: "add", path: "emails", value: [{ value: "w2@x", type: "work" }] }, { op: "replace", path: 'emails[type eq "work"].primary', value: true }], (r) => {
      expect(emails(r).filter((e) => e.primary === true).map((e) => e.value)).toEqual(["bjensen@example.com"]);
      expect(emails(r).find((e) => e.value === "w2@x")?.primary).toBe(false);
    }],
    ["a later operation's primary wins over an earlier one's", [{ op: "add", path: "emails", value: [{ value: "p1@x", primary: true }] }, { op: "add", path: "emails", value: [{ value: "p2@x", primary: true }] }], (r) => {
      expect(emails(r).filter((e) => e.primary === true)).toEqual([{ value: "p2@x", primary: true }]);
    }],
    ["primary: true on an added value clears it elsewhere (RFC 7643 §2.4)", [{ op: "add", path: "emails", value: [{ value: "n@x", type: "other", primary: true }] }], (r) => {
      expect(emails(r).filter((e) => e.primary === true)).toEqual([{ value: "n@x", type: "other", primary: true }]);
      expect(emails(r)[0]?.primary).toBe(false);
    }],
    ["an extension attribute, adding the extension URN to schemas", [{ op: "add", path: `${SCIMD_USER_SCHEMA}:site`, value: "HQ" }], (r) => {
      expect(r[SCIMD_USER_SCHEMA]).toEqual({ site: "HQ" });
      expect(r.schemas).toEqual([USER_SCHEMA, E, SCIMD_USER_SCHEMA]);
    }],
    ["an extension sub-attribute", [{ op: "add", path: `${E}:manager.value`, value: "m2" }], (r) => expect(ext(r)?.manager).toEqual({ value: "m2" })],
    ["a bare extension URN path with an object value", [{ op: "add", path: E, value: { costCenter: "42", division: "West" } }], (r) => expect(ext(r)).toMatchObject({ costCenter: "42", division: "West", department: "Tour Operations" })],
  ]);
});

describe("replace (RFC 7644 §3.5.2.3)", () => {
  runCases([
    ["substitutes every value of a multi-valued attribute", [{ op: "replace", path: "emails", value: [{ value: "only@x" }] }], (r) => expect(r.emails).toEqual([{ value: "only@x" }])],
    ["merges into a complex attribute, leaving unnamed sub-attributes", [{ op: "replace", path: "name", value: { givenName: "Babs" } }], (r) => expect(r.name).toMatchObject({ givenName: "Babs", familyName: "Jensen" })],
    ["a value filter selects the elements to update", [{ op: "replace", path: 'emails[type eq "home"].value', value: "new@home" }], (r) => expect(emails(r)[1]).toEqual({ value: "new@home", type: "home" })],
    ["a filter on a boolean sub-attribute", [{ op: "replace", path: "emails[primary eq true].display", value: "main" }], (r) => expect(emails(r)[0]?.display).toBe("main")],
    ["a whole filtered element is merged", [{ op: "replace", path: 'emails[type eq "work"]', value: { display: "w" } }], (r) => expect(emails(r)[0]).toEqual({ value: "bjensen@example.com", type: "work", primary: true, display: "w" })],
    ["primary: true through a filter clears the other primary", [{ op: "replace", path: 'emails[type eq "home"].primary', value: true }], (r) => {
      expect(emails(r)[0]?.primary).toBe(false);
      expect(emails(r)[1]?.primary).toBe(true);
    }],
    ["a new manager value drops the old manager's displayName and $ref", [{ op: "replace", path: `${E}:manager`, value: { value: "m2" } }], (r) => expect(ext(r)?.manager).toEqual({ value: "m2" })],
    ["a new email value keeps its display (the client's text, not a description of a resource)", [{ op: "replace", path: 'emails[type eq "work"]', value: { display: "Work" } }, { op: "replace", path: 'emails[type eq "work"].value', value: "new@work" }], (r) => expect(emails(r)[0]).toEqual({ value: "new@work", type: "work", primary: true, display: "Work" })],
    ["display then value of one role, as Entra maps them: both kept", [{ op: "add", path: "roles", value: [{ primary: true, value: "Reader", display: "Reader role", type: "T" }] }, { op: "Replace", path: 'roles[primary eq "True"].display', value: "Writer role" }, { op: "Replace", path: 'roles[primary eq "True"].value', value: "Writer" }], (r) => expect(r.roles).toEqual([{ primary: true, value: "Writer", display: "Writer role", type: "T" }])],
    ["an unqualified extension attribute", [{ op: "replace", path: "department", value: "Sales" }], (r) => expect(ext(r)?.department).toBe("Sales")],
    ["the same manager value keeps its displayName", [{ op: "replace", path: `${E}:manager`, value: { value: MANAGER } }], (r) => expect(ext(r)?.manager).toEqual({ value: MANAGER, displayName: "John Smith" })],
    ["a filter on a single-valued complex attribute that matches", [{ op: "replace", path: 'name[givenName eq "barbara"].familyName', value: "J" }], (r) => expect((r.name as Record<string, unknown>).familyName).toBe("J")],
    ["without a path, merges each attribute", [{ op: "replace", value: { title: "T", name: { givenName: "G" } } }], (r) => {
      expect(r.title).toBe("T");
      expect(r.name).toMatchObject({ givenName: "G", familyName: "Jensen" });
    }],
    ["without a path, unknown keys are ignored (RFC 7643 §2.1)", [{ op: "replace", value: { shoeSize: 44, "urn:example:custom:2.0:User:x": 1, title: "T" } }], (r) => {
      expect(r.title).toBe("T");
      expect(r.shoeSize).toBeUndefined();
    }],
    ["without a path, a bare key named like an extension attribute is unknown there (only paths resolve it)", [{ op: "replace", value: { manager: "boss@x", department: "Sales", title: "T" } }], (r) => {
      expect(r.title).toBe("T");
      expect(ext(r)).toEqual(fullUser()[E] as Record<string, unknown>);
    }],
    ["without a path, `schemas` and an unchanged id are ignored", [{ op: "replace", value: { schemas: ["urn:x"], id: "2819c223-7f76-453a-919d-413861904646", title: "T" } }], (r) => {
      expect(r.schemas).toEqual([USER_SCHEMA, E]);
      expect(r.title).toBe("T");
    }],
    ["without a path, a nested extension object", [{ op: "replace", value: { [E]: { department: "D" } } }], (r) => expect(ext(r)).toMatchObject({ department: "D", employeeNumber: "701984" })],
    ["a `schemas` path is ignored", [{ op: "replace", path: "schemas", value: ["urn:x"] }], (r) => expect(r.schemas).toEqual([USER_SCHEMA, E])],
    ["a URN-qualified core path", [{ op: "replace", path: `${USER_SCHEMA}:displayName`, value: "D" }], (r) => expect(r.displayName).toBe("D")],
  ]);
});

describe("remove (RFC 7644 §3.5.2.2)", () => {
  runCases([
    ["a simple attribute", [{ op: "remove", path: "title" }], (r) => expect("title" in r).toBe(false)],
    ["an unqualified extension attribute with a filter, as some clients send the manager (RFC 7644 §3.10: qualifying is a SHOULD)", [{ op: "remove", path: `manager[value eq "${MANAGER}"]` }], (r) => expect(ext(r)).toEqual({ employeeNumber: "701984", department: "Tour Operations" })],
    ["a sub-attribute", [{ op: "remove", path: "name.formatted" }], (r) => expect(r.name).toEqual({ familyName: "Jensen", givenName: "Barbara" })],
    ["the last sub-attribute removes the complex attribute", [{ op: "remove", path: "name.formatted" }, { op: "remove", path: "name.familyName" }, { op: "remove", path: "name.givenName" }], (r) => expect("name" in r).toBe(false)],
    ["filtered elements", [{ op: "remove", path: 'emails[type eq "home"]' }], (r) => expect(emails(r)).toHaveLength(1)],
    ["the last element removes the attribute", [{ op: "remove", path: 'phoneNumbers[type eq "work"]' }], (r) => expect("phoneNumbers" in r).toBe(false)],
    ["a sub-attribute of filtered elements", [{ op: "remove", path: 'emails[type eq "work"].primary' }], (r) => expect(emails(r)[0]).toEqual({ value: "bjensen@example.com", type: "work" })],
    // Entra ID clears a user's work email this way: no {"type": "work"} is left behind.
    ["the value of a filtered element removes the element", [{ op: "Remove", path: 'emails[type eq "work"].value' }], (r) => expect(emails(r)).toEqual([{ value: "babs@jensen.org", type: "home" }])],
    ["the value of the only element removes the attribute", [{ op: "Remove", path: 'phoneNumbers[type eq "work"].value' }], (r) => expect("phoneNumbers" in r).toBe(false)],
    ["a value sub-attribute of every element removes them all", [{ op: "remove", path: "emails.value" }], (r) => expect("emails" in r).toBe(false)],
    ["one of several real sub-attributes keeps the element", [{ op: "remove", path: 'addresses[type eq "work"].locality' }], (r) => expect((r.addresses as Record<string, unknown>[])[0]).toMatchObject({ type: "work", streetAddress: "100 Universal City Plaza" })],
    ["an extension attribute", [{ op: "remove", path: `${E}:department` }], (r) => expect(ext(r)).toEqual({ employeeNumber: "701984", manager: { value: MANAGER, displayName: "John Smith" } })],
    ["the whole extension by its URN, dropping it from schemas", [{ op: "remove", path: E }], (r) => {
      expect(r[E]).toBeUndefined();
      expect(r.schemas).toEqual([USER_SCHEMA]);
    }],
    ["the extension's last attributes drop the extension and its URN", [{ op: "remove", path: `${E}:department` }, { op: "remove", path: `${E}:employeeNumber` }, { op: "remove", path: `${E}:manager` }], (r) => {
      expect(E in r).toBe(false);
      expect(r.schemas).toEqual([USER_SCHEMA]);
    }],
    // Decision: an idempotent remove, since Entra ID replays removals (RFC 7644 §3.5.2.2 would say noTarget).
    ["a filter that matches nothing is a no-op", [{ op: "remove", path: 'emails[type eq "other"]' }], (r) => expect(r).toEqual(fullUser())],
    ["an attribute that is absent is a no-op", [{ op: "remove", path: "nickName" }], (r) => expect(r).toEqual(fullUser())],
    ["with a value on a single-valued attribute, removes it", [{ op: "remove", path: "title", value: "ignored" }], (r) => expect("title" in r).toBe(false)],
    ["with a value on a multi-valued attribute, removes only the values given", [{ op: "remove", path: "emails", value: [{ value: "babs@jensen.org" }] }], (r) => expect(emails(r)).toEqual([{ value: "bjensen@example.com", type: "work", primary: true }])],
    ["with an empty value array, removes nothing", [{ op: "remove", path: "emails", value: [] }], (r) => expect(emails(r)).toHaveLength(2)],
  ]);
});

describe("null means remove (RFC 7643 §2.5)", () => {
  runCases([
    ["add null", [{ op: "add", path: "title", value: null }], (r) => expect("title" in r).toBe(false)],
    ["replace null on a multi-valued attribute", [{ op: "replace", path: "emails", value: null }], (r) => expect("emails" in r).toBe(false)],
    ["replace null on a sub-attribute", [{ op: "replace", path: "name.formatted", value: null }], (r) => expect((r.name as Record<string, unknown>).formatted).toBeUndefined()],
    ["replace null on a filtered element", [{ op: "replace", path: 'emails[type eq "home"]', value: null }], (r) => expect(emails(r)).toHaveLength(1)],
    ["replace null on the value of a filtered element removes the element", [{ op: "Replace", path: 'emails[type eq "work"].value', value: null }], (r) => expect(emails(r)).toEqual([{ value: "babs@jensen.org", type: "home" }])],
    ["a null key in a path-less value", [{ op: "replace", value: { title: null, [`${E}:department`]: null } }], (r) => {
      expect("title" in r).toBe(false);
      expect(ext(r)?.department).toBeUndefined();
    }],
    ["a null extension object", [{ op: "replace", value: { [E]: null } }], (r) => expect(E in r).toBe(false)],
  ]);
});

describe("Entra ID quirks", () => {
  runCases([
    // Entra ID sends "True"/"False" strings for every boolean unless aadOptscim062020 is set.
    ["active as \"False\"", [{ op: "Replace", path: "active", value: "False" }], (r) => expect(r.active).toBe(false)],
    ["active as \"TRUE\"", [{ op: "Replace", path: "active", value: "TRUE" }], (r) => expect(r.active).toBe(true)],
    ["primary as \"True\" in an added element", [{ op: "Add", path: "emails", value: [{ value: "n@x", primary: "True" }] }], (r) => expect(emails(r).filter((e) => e.primary === true)).toEqual([{ value: "n@x", primary: true }])],
    ["active as \"false\" in a path-less replace", [{ op: "Replace", value: { active: "false" } }], (r) => expect(r.active).toBe(false)],
    // Entra ID with aadOptscim062020 sends one path-less replace whose keys are paths.
    ["dotted keys", [{ op: "replace", value: { "name.givenName": "Barbara2", "name.familyName": "J2" } }], (r) => expect(r.name).toMatchObject({ givenName: "Barbara2", familyName: "J2" })],
    ["URN-qualified keys", [{ op: "replace", value: { [`${E}:employeeNumber`]: "1", [`${E}:manager`]: "m3" } }], (r) => expect(ext(r)).toMatchObject({ employeeNumber: "1", manager: { value: "m3" } })],
    ["a numeric employeeNumber", [{ op: "replace", value: { [`${E}:employeeNumber`]: 701985 } }], (r) => expect(ext(r)?.employeeNumber).toBe("701985")],
    // ... and value-path keys, for the work email, phones and addresses.
    ["value-path keys", [{ op: "replace", value: { displayName: "B2", 'emails[type eq "work"].value': "b2@example.com", 'phoneNumbers[type eq "mobile"].value': "+1 555", 'addresses[type eq "work"].locality': "Leeds" } }], (r) => {
      expect(r.displayName).toBe("B2");
      expect(emails(r)).toEqual([{ value: "b2@example.com", type: "work", primary: true }, { value: "babs@jensen.org", type: "home" }]);
      expect(r.phoneNumbers).toEqual([{ value: "555-555-5555", type: "work" }, { type: "mobile", value: "+1 555" }]);
      expect((r.addresses as Record<string, unknown>[])[0]).toMatchObject({ type: "work", streetAddress: "100 Universal City Plaza", locality: "Leeds" });
    }],
    ["a value-path key on an attribute scimd does not define is ignored, as a plain unknown key is", [{ op: "replace", value: { 'shoes[type eq "work"].value': "x", "urn:example:custom:2.0:User:badges[type eq \"a\"].value": "y", title: "T" } }], (r) => {
      expect(r.title).toBe("T");
      expect("shoes" in r).toBe(false);
    }],
    ["a value-path key under an extension's URN path", [{ op: "add", path: E, value: { 'manager[value eq "26118915-6090-4610-87e4-49d8ca9f808d"].$ref': "../Users/m" } }], (r) => expect(ext(r)?.manager).toMatchObject({ value: MANAGER, $ref: "../Users/m" })],
    // Entra ID sends a value path for an element the user does not have yet.
    ["a value path that matches nothing creates the element", [{ op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555" }], (r) => expect(r.phoneNumbers).toEqual([{ value: "555-555-5555", type: "work" }, { type: "mobile", value: "+1 555" }])],
    ["replace on a value path that matches nothing creates it too", [{ op: "Replace", path: 'addresses[type eq "home"].locality', value: "Paris" }], (r) => expect((r.addresses as unknown[])[1]).toEqual({ type: "home", locality: "Paris" })],
    ["a value path on primary alone creates no element: there is no address to mark", [{ op: "replace", path: 'phoneNumbers[type eq "mobile"].primary', value: true }], (r) => expect(r.phoneNumbers).toEqual([{ value: "555-555-5555", type: "work" }])],
    ["several eq clauses seed the new element", [{ op: "add", path: 'emails[type eq "other" and primary eq false].value', value: "o@x" }], (r) => expect(emails(r)[2]).toEqual({ type: "other", primary: false, value: "o@x" })],
    // Entra ID sends the manager three ways, and clears it with {"value": ""}.
    ["manager as a plain id", [{ op: "Add", path: `${E}:manager`, value: "m1" }], (r) => expect(ext(r)?.manager).toEqual({ value: "m1" })],
    ["manager as {value}", [{ op: "Replace", path: `${E}:manager`, value: { value: "m1" } }], (r) => expect(ext(r)?.manager).toEqual({ value: "m1" })],
    ["manager as [{value, $ref}]", [{ op: "Replace", path: `${E}:manager`, value: [{ value: "m1", $ref: "../Users/m1" }] }], (r) => expect(ext(r)?.manager).toEqual({ value: "m1", $ref: "../Users/m1" })],
    ["manager {value: \"\"} removes it", [{ op: "Replace", path: `${E}:manager`, value: { value: "" } }], (r) => expect(ext(r)?.manager).toBeUndefined()],
    ["manager null removes it", [{ op: "Replace", path: `${E}:manager`, value: null }], (r) => expect(ext(r)?.manager).toBeUndefined()],
  ]);

  test("a filter on a single-valued complex attribute that is absent creates it", () => {
    const r = patch(fullUser(), [{ op: "remove", path: `${E}:manager` }, { op: "add", path: `${E}:manager[value eq "m9"].$ref`, value: "../Users/m9" }]);
    expect(ext(r)?.manager).toEqual({ value: "m9", $ref: "../Users/m9" });
  });

  const group = (): ScimResource => ({ schemas: [GROUP_SCHEMA], id: "g1", displayName: "G", members: [{ value: "a" }, { value: "b" }, { value: "c" }] });
  test("members removed by path plus value go, and only they", () => {
    const r = patch(group(), [{ op: "Remove", path: "members", value: [{ value: "a", $ref: null }, { value: "c" }] }], GROUP);
    expect(r.members).toEqual([{ value: "b" }]);
  });
  test("members[value eq id] remove", () => {
    const r = patch(group(), [{ op: "Remove", path: 'members[value eq "b"]' }], GROUP);
    expect(r.members).toEqual([{ value: "a" }, { value: "c" }]);
  });
  test("a member value is compared caseExact", () => {
    const r = patch(group(), [{ op: "Remove", path: "members", value: [{ value: "A" }] }], GROUP);
    expect(r.members).toHaveLength(3);
  });
});

describe("writeOnly password", () => {
  // RFC 7643 §4.1.1: the password "MUST never be returned"; scimd never stores it (sign-in is federated).
  runCases([
    ["replace without a path is accepted and dropped", [{ op: "replace", value: { password: "pw3", title: "T" } }], (r) => {
      expect(r.title).toBe("T");
      expect("password" in r).toBe(false);
    }],
    ["replace with a path", [{ op: "Replace", path: "password", value: "pw3" }], (r) => expect("password" in r).toBe(false)],
    ["add with the URN-qualified path, any case", [{ op: "add", path: "urn:ietf:params:scim:schemas:core:2.0:User:Password", value: "pw3" }], (r) => expect(Object.keys(r).some((k) => k.toLowerCase() === "password")).toBe(false)],
  ]);
});

describe("refused changes", () => {
  const cases: [string, unknown[], ScimType][] = [
    ["id", [{ op: "replace", path: "id", value: "other" }], "mutability"],
    ["a changed id in a path-less value", [{ op: "replace", value: { id: "other" } }], "mutability"],
    ["meta", [{ op: "replace", path: "meta.created", value: "2020-01-01T00:00:00Z" }], "mutability"],
    ["meta removal", [{ op: "remove", path: "meta" }], "mutability"],
    ["User groups (readOnly)", [{ op: "add", path: "groups", value: [{ value: "g2" }] }], "mutability"],
    ["manager.displayName (readOnly)", [{ op: "replace", path: `${E}:manager.displayName`, value: "x" }], "mutability"],
    ["a required attribute removed", [{ op: "remove", path: "userName" }], "invalidValue"],
    ["a required attribute nulled", [{ op: "replace", value: { userName: null } }], "invalidValue"],
    ["a string where a boolean goes", [{ op: "replace", path: "active", value: "maybe" }], "invalidValue"],
    ["an object where a string goes", [{ op: "replace", path: "title", value: { a: 1 } }], "invalidValue"],
    ["a number too large to keep its digits where a string goes", [{ op: "replace", path: `${E}:employeeNumber`, value: 12345678901234567 }], "invalidValue"],
    ["an array for a single-valued attribute", [{ op: "replace", path: "title", value: ["a", "b"] }], "invalidValue"],
    ["a bad boolean in a filtered element", [{ op: "replace", path: 'emails[type eq "work"].primary', value: "yes" }], "invalidValue"],
    ["a path-less bare string under a complex attribute", [{ op: "replace", value: { name: "x" } }], "invalidValue"],
    ["a malformed value-path key", [{ op: "replace", value: { 'emails[type eq "work"': "x" } }], "invalidPath"],
    ["a value-path key on a readOnly attribute", [{ op: "add", value: { 'groups[value eq "g"].display': "x" } }], "mutability"],
    ["a non-eq filter that matches nothing cannot create", [{ op: "add", path: 'emails[value co "nomatch"].type', value: "work" }], "noTarget"],
    ["a single-valued filter that does not match", [{ op: "replace", path: 'name[givenName eq "nobody"].familyName', value: "x" }], "noTarget"],
  ];
  test.each(cases)("%s", (_name, ops, scimType) => {
    const input = fullUser();
    const e = thrown(() => patch(input, ops));
    expect(isScimError(e) && e.scimType).toBe(scimType);
    expect(input).toEqual(fullUser());
  });

  test("type errors name the attribute", () => {
    const e = thrown(() => patch(fullUser(), [{ op: "replace", path: "active", value: "maybe" }]));
    expect(isScimError(e) && e.detail).toContain('"active"');
  });

  test("an immutable attribute may be set while unset, but not changed (RFC 7643 §2.2)", () => {
    const g: ScimResource = { schemas: [GROUP_SCHEMA], id: "g", displayName: "G", members: [{ value: "a" }] };
    expect(patch(g, [{ op: "add", path: 'members[value eq "a"].type', value: "User" }], GROUP).members).toEqual([{ value: "a", type: "User" }]);
    const e = thrown(() => patch(g, [{ op: "replace", path: 'members[value eq "a"].value', value: "b" }], GROUP));
    expect(isScimError(e) && e.scimType).toBe("mutability");
  });
});

describe("atomicity and purity", () => {
  test("a failing second operation leaves the input unchanged and applies nothing", () => {
    const input = fullUser();
    const ops = parsePatchRequest(body({ op: "replace", path: "title", value: "T" }, { op: "replace", path: "id", value: "x" }), USER);
    const e = thrown(() => applyPatch(input, ops, USER));
    expect(isScimError(e)).toBe(true);
    expect(input).toEqual(fullUser());
  });

  test("the input is never mutated, nested objects included", () => {
    const input = fullUser();
    const out = patch(input, [
      { op: "replace", path: 'emails[type eq "work"].value', value: "n@x" },
      { op: "replace", path: `${E}:department`, value: "D" },
      { op: "add", path: "name.middleName", value: "M" },
    ]);
    expect(input).toEqual(fullUser());
    expect(out.emails).not.toBe(input.emails);
    expect(emails(out)[0]?.value).toBe("n@x");
  });

  test("operations apply in order", () => {
    const r = patch(fullUser(), [{ op: "replace", path: "title", value: "A" }, { op: "remove", path: "title" }, { op: "add", path: "title", value: "B" }]);
    expect(r.title).toBe("B");
  });

  test("an empty operation list returns an equal copy", () => {
    const input = fullUser();
    const out = applyPatch(input, [], USER);
    expect(out).toEqual(input);
    expect(out).not.toBe(input);
  });
});

describe("path cache", () => {
  test("one raw path resolves per resource type", () => {
    const g: ScimResource = { schemas: [GROUP_SCHEMA], id: "g", displayName: "G" };
    expect(patch(fullUser(), [{ op: "replace", path: "displayName", value: "U" }]).displayName).toBe("U");
    expect(patch(g, [{ op: "replace", path: "displayName", value: "H" }], GROUP).displayName).toBe("H");
    expect(patch(fullUser(), [{ op: "replace", path: "displayName", value: "V" }]).displayName).toBe("V");
  });

  test("a mis-cased extension URN is written under the canonical key", () => {
    const r = patch(fullUser(), [{ op: "replace", path: `${E.toUpperCase()}:Department`, value: "D" }]);
    expect(ext(r)?.department).toBe("D");
    expect(Object.keys(r).filter((k) => k.toLowerCase() === E.toLowerCase())).toEqual([E]);
  });
});

describe("a PATCH's work is bounded (MAX_PATCH_WORK)", () => {
  const many = (n: number): ScimResource => ({
    schemas: [USER_SCHEMA],
    userName: "big",
    emails: Array.from({ length: n }, (_, i) => ({ value: `e${i}@x.example`, type: "work" })),
  });
  const filtered = (terms: number) => ({
    op: "replace",
    // The last term matches the last value (a filter that matches none is a noTarget error at once).
    path: `emails[${Array.from({ length: terms - 1 }, (_, i) => `value co "zz${i}"`).join(" or ")} or value eq "e4999@x.example"].type`,
    value: "home",
  });

  test("filtered operations over many values that would need more than the bound are a 400 tooMany, naming what to do", () => {
    // 5,000 values x (20 terms + 1) a operation: 100 operations are some 10 million comparisons.
    const e = thrown(() => patch(many(5000), Array.from({ length: 100 }, () => filtered(20))));
    expect(isScimError(e) && e.status).toBe(400);
    expect(isScimError(e) && e.scimType).toBe("tooMany");
    expect((e as Error).message).toContain("send fewer operations, or operations on fewer values");
  });

  test("path-less operations carrying value-path keys count the same", () => {
    const key = `emails[${Array.from({ length: 19 }, (_, i) => `value co "zz${i}"`).join(" or ")} or value eq "e4999@x.example"].type`;
    const e = thrown(() => patch(many(5000), Array.from({ length: 100 }, () => ({ op: "replace", value: { [key]: "home" } }))));
    expect(isScimError(e) && e.scimType).toBe("tooMany");
  });

  test("long values count by their length: 200-term filters over one email of 900 KB are refused at once", () => {
    const user: ScimResource = { schemas: [USER_SCHEMA], userName: "long", emails: [{ value: `${"x".repeat(900_000)}@y`, type: "work" }] };
    const terms = Array.from({ length: 200 }, (_, i) => `value co "q${i}"`).join(" or ");
    const e = thrown(() => patch(user, Array.from({ length: 40 }, () => ({ op: "remove", path: `emails[${terms}]` }))));
    expect(isScimError(e) && e.scimType).toBe("tooMany");
  });

  test("linear work is counted as linear: replacing 1,500 roles by 1,500 (as a PUT would) and adding 40,000 emails are applied", () => {
    const roles = (p: string) => Array.from({ length: 1500 }, (_, i) => ({ value: `${p}${i}` }));
    const user: ScimResource = { schemas: [USER_SCHEMA], userName: "roles", roles: roles("r") };
    expect(patch(user, [{ op: "replace", path: "roles", value: roles("s") }]).roles).toEqual(roles("s"));
    expect(patch(user, [{ op: "replace", value: { roles: roles("t") } }]).roles).toEqual(roles("t"));
    const added = patch({ schemas: [USER_SCHEMA], userName: "many" }, [{ op: "add", path: "emails", value: Array.from({ length: 40_000 }, (_, i) => ({ value: `e${i}@x.example` })) }]);
    expect((added.emails as unknown[]).length).toBe(40_000);
  });

  test("under the bound the same kind of PATCH applies; the bound is per request, not cumulative across requests", () => {
    const user = many(5000);
    for (let round = 0; round < 3; round++) {
      const out = patch(user, Array.from({ length: 10 }, () => filtered(20)));
      expect((out.emails as unknown[]).length).toBe(5000);
    }
    const hit = patch(user, [{ op: "replace", path: 'emails[value eq "e4999@x.example"].type', value: "home" }]);
    expect((hit.emails as { type: string }[])[4999]!.type).toBe("home");
  });
});

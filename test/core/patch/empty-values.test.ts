// An add or replace removes an attribute only when the client says so (null, a replace with [], Entra's
// {"value": ""} for the manager); a value that holds nothing scimd keeps once null, unknown and read-only
// sub-attributes are left out changes nothing. In a single complex value, a sub-attribute given as null is
// cleared and the others are merged (RFC 7644 §3.5.2.3, RFC 7643 §2.5). These removed the whole attribute.
import { describe, expect, test } from "bun:test";
import { E, fullUser, patch } from "./patch-helpers.ts";

const unchanged = (ops: unknown[]) => {
  const before = fullUser();
  expect(patch(fullUser(), ops)).toEqual(before);
};

describe("a value that holds nothing scimd keeps changes nothing", () => {
  const cases: [string, unknown[]][] = [
    ["add emails []", [{ op: "add", path: "emails", value: [] }]],
    ["add emails with an element of unknown sub-attributes", [{ op: "add", path: "emails", value: [{ foo: "x" }] }]],
    ["path-less add of emails []", [{ op: "add", value: { emails: [] } }]],
    ["replace emails with an element of unknown sub-attributes", [{ op: "replace", path: "emails", value: [{ foo: "x" }] }]],
    ["replace name with a sub-attribute name does not have", [{ op: "replace", path: "name", value: { nickName: "E" } }]],
    ["replace name with {}", [{ op: "replace", path: "name", value: {} }]],
    ["replace the manager with only its read-only displayName", [{ op: "replace", path: `${E}:manager`, value: { displayName: "Boss" } }]],
    ["path-less replace of name with an unknown sub-attribute", [{ op: "replace", value: { name: { nickName: "E" } } }]],
  ];
  for (const [name, ops] of cases) test(name, () => unchanged(ops));
});

describe("a sub-attribute given as null is cleared, the others kept or merged", () => {
  test("replace name {givenName: null} clears givenName and keeps familyName and formatted", () => {
    const r = patch(fullUser(), [{ op: "replace", path: "name", value: { givenName: null } }]);
    expect(r.name).toEqual({ formatted: "Ms. Barbara J Jensen III", familyName: "Jensen" });
  });

  test("replace name {givenName: null, familyName: 'Li'} clears one and sets the other", () => {
    const r = patch(fullUser(), [{ op: "replace", path: "name", value: { GivenName: null, familyName: "Li" } }]);
    expect(r.name).toEqual({ formatted: "Ms. Barbara J Jensen III", familyName: "Li" });
  });

  test("add (a merge too) and the path-less form clear the same way", () => {
    expect(patch(fullUser(), [{ op: "add", path: "name", value: { familyName: null } }]).name).toEqual({ formatted: "Ms. Barbara J Jensen III", givenName: "Barbara" });
    expect(patch(fullUser(), [{ op: "replace", value: { name: { formatted: null } } }]).name).toEqual({ familyName: "Jensen", givenName: "Barbara" });
  });

  test("clearing every sub-attribute removes the attribute", () => {
    const r = patch(fullUser(), [{ op: "replace", path: "name", value: { givenName: null, familyName: null, formatted: null } }]);
    expect(r.name).toBeUndefined();
  });
});

describe("what still removes", () => {
  test("null, a replace with no values, and Entra's {value: ''} for the manager", () => {
    expect(patch(fullUser(), [{ op: "replace", path: "name", value: null }]).name).toBeUndefined();
    expect(patch(fullUser(), [{ op: "add", path: "emails", value: null }]).emails).toBeUndefined();
    expect(patch(fullUser(), [{ op: "replace", path: "emails", value: [] }]).emails).toBeUndefined();
    expect(patch(fullUser(), [{ op: "replace", value: { emails: [] } }]).emails).toBeUndefined();
    expect((patch(fullUser(), [{ op: "replace", path: `${E}:manager`, value: { value: "" } }])[E] as Record<string, unknown>).manager).toBeUndefined();
  });
});

describe("the same on a filtered path (and its path-less key form)", () => {
  test("an element value that holds nothing scimd keeps changes nothing (it removed the matched email)", () => {
    for (const ops of [
      [{ op: "replace", path: 'emails[type eq "work"]', value: { verified: true } }],
      [{ op: "add", path: 'addresses[type eq "work"]', value: {} }],
      [{ op: "replace", value: { 'emails[type eq "work"]': { verified: true } } }],
      [{ op: "replace", path: `${E}:manager[value eq "26118915-6090-4610-87e4-49d8ca9f808d"]`, value: { foo: "bar" } }],
    ])
      unchanged(ops);
  });

  test("a sub-attribute given as null in the element value is cleared, the others merged", () => {
    const r = patch(fullUser(), [{ op: "replace", path: 'emails[type eq "home"]', value: { display: "Home", type: null } }]);
    expect((r.emails as unknown[])[1]).toEqual({ value: "babs@jensen.org", display: "Home" });
    const n = patch(fullUser(), [{ op: "add", path: 'name[givenName eq "Barbara"]', value: { familyName: null } }]);
    expect(n.name).toEqual({ formatted: "Ms. Barbara J Jensen III", givenName: "Barbara" });
  });

  test("clearing the last real sub-attribute of an element removes it; a clear that matches nothing creates nothing", () => {
    const r = patch(fullUser(), [{ op: "replace", path: 'emails[type eq "home"]', value: { value: null } }]);
    expect((r.emails as { type: string }[]).map((e) => e.type)).toEqual(["work"]);
    unchanged([{ op: "replace", path: 'phoneNumbers[type eq "mobile"]', value: { value: null } }]);
  });
});

test("emails.primary or emails.type on a user without emails creates nothing (there is no address to mark); emails.value creates one", () => {
  const noEmails = () => {
    const u = fullUser();
    delete u.emails;
    return u;
  };
  expect(patch(noEmails(), [{ op: "replace", path: "emails.primary", value: true }]).emails).toBeUndefined();
  expect(patch(noEmails(), [{ op: "add", path: "emails.type", value: "work" }]).emails).toBeUndefined();
  expect(patch(noEmails(), [{ op: "add", path: "emails.value", value: "a@b.c" }]).emails).toEqual([{ value: "a@b.c" }]);
});

test("clearing a reference's value clears what describes it: replace manager {value: null} removes the manager, not leaving its old $ref", () => {
  const withRef = () => {
    const u = fullUser();
    (u[E] as Record<string, unknown>).manager = { value: "m-1", $ref: "https://x/scim/Users/m-1", displayName: "John Smith" };
    return u;
  };
  for (const ops of [
    [{ op: "replace", path: `${E}:manager`, value: { value: null } }],
    [{ op: "replace", value: { [`${E}:manager`]: { value: null } } }],
    [{ op: "replace", path: `${E}:manager.value`, value: null }],
    [{ op: "replace", path: `${E}:manager.value`, value: "" }],
    [{ op: "remove", path: `${E}:manager.value` }],
    [{ op: "replace", value: { [`${E}:manager.value`]: null } }],
  ]) {
    const r = patch(withRef(), ops);
    expect((r[E] as Record<string, unknown>).manager).toBeUndefined();
  }
});

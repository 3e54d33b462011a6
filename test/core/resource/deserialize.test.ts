import { describe, expect, test } from "bun:test";
import { InvalidSyntaxError, InvalidValueError } from "../../../src/core/errors.ts";
import { readResourceInput } from "../../../src/core/resource/deserialize.ts";
import { GROUP, USER } from "../../../src/core/schema/registry.ts";
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_SCHEMA } from "../../../src/core/schema/urns.ts";
import enterpriseUser from "../../fixtures/rfc/rfc7643-8.3-enterprise-user.json";
import minimalUser from "../../fixtures/rfc/rfc7643-8.1-minimal-user.json";
import rfcGroup from "../../fixtures/rfc/rfc7643-8.4-group.json";
import entraPostUser from "../../fixtures/entra/post-user.json";
import entraStringBooleans from "../../fixtures/entra/post-user-string-booleans.json";

const user = (extra: Record<string, unknown>) => readResourceInput({ userName: "bjensen", ...extra }, USER);

describe("readResourceInput: RFC 7643 §8 examples", () => {
  test("§8.1 minimal user keeps userName and drops id and meta", () => {
    expect(readResourceInput(minimalUser, USER)).toEqual({ schemas: [USER_SCHEMA], userName: "bjensen@example.com" });
  });

  test("§8.3 enterprise user: readOnly groups, writeOnly password and readOnly manager.displayName dropped", () => {
    const out = readResourceInput(enterpriseUser, USER);
    expect(out.schemas).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
    expect(out.id).toBeUndefined();
    expect(out.meta).toBeUndefined();
    expect(out.groups).toBeUndefined();
    expect(out.password).toBeUndefined();
    expect(out.externalId).toBe("701984");
    expect(out.name).toEqual(enterpriseUser.name);
    expect(out.emails).toEqual(enterpriseUser.emails);
    expect(out.addresses).toEqual(enterpriseUser.addresses);
    expect(out.x509Certificates).toEqual(enterpriseUser.x509Certificates);
    expect(out[ENTERPRISE_USER_SCHEMA]).toEqual({
      employeeNumber: "701984",
      costCenter: "4130",
      organization: "Universal Studios",
      division: "Theme Park",
      department: "Tour Operations",
      manager: {
        value: "26118915-6090-4610-87e4-49d8ca9f808d",
        $ref: "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
      },
    });
  });

  test("§8.4 group keeps members after coercion, dropping readOnly members.display", () => {
    const out = readResourceInput(rfcGroup, GROUP);
    expect(out).toEqual({
      schemas: [GROUP_SCHEMA],
      displayName: "Tour Guides",
      members: rfcGroup.members.map(({ value, $ref }) => ({ value, $ref })),
    });
  });
});

describe("readResourceInput: Entra ID", () => {
  test("documented POST /Users: meta and empty roles dropped, enterprise URN without data dropped from schemas", () => {
    expect(readResourceInput(entraPostUser, USER)).toEqual({
      schemas: [USER_SCHEMA],
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName: "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      active: true,
      emails: [{ primary: true, type: "work", value: "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com" }],
    });
  });

  test("the same body with \"True\" strings (no aadOptscim062020) reads the same", () => {
    expect(readResourceInput(entraStringBooleans, USER)).toEqual(readResourceInput(entraPostUser, USER));
  });

  test.each([
    ["True", true],
    ["False", false],
    ["false", false],
    [true, true],
  ])("active %p reads as %p", (sent, stored) => {
    expect(user({ active: sent }).active).toBe(stored);
  });
});

describe("readResourceInput: names, extensions and schemas", () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ["attribute names matched case-insensitively", { DisplayName: "D", NAME: { GIVENNAME: "G" }, ExternalID: "e" }, { displayName: "D", name: { givenName: "G" }, externalId: "e" }],
    ["extension under its URN key without a schemas entry", { [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } }, { [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } }],
    ["extension URN key in the wrong case", { [ENTERPRISE_USER_SCHEMA.toUpperCase()]: { Department: "Sales" } }, { [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } }],
    ["flattened URN-qualified key", { [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: "1" }, { [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "1" } }],
    ["flattened URN-qualified sub-attribute key", { [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: "m1" }, { [ENTERPRISE_USER_SCHEMA]: { manager: { value: "m1" } } }],
    ["flattened key merged with the nested object", { [ENTERPRISE_USER_SCHEMA]: { department: "Sales" }, [`${ENTERPRISE_USER_SCHEMA}:division`]: "East" }, { [ENTERPRISE_USER_SCHEMA]: { department: "Sales", division: "East" } }],
    ["number for a string extension attribute", { [ENTERPRISE_USER_SCHEMA]: { employeeNumber: 42 } }, { [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "42" } }],
    ["scimd extension data", { [SCIMD_USER_SCHEMA]: { site: "HQ" } }, { [SCIMD_USER_SCHEMA]: { site: "HQ" } }],
    ["core attributes under the core URN key", { [USER_SCHEMA]: { displayName: "D" } }, { displayName: "D" }],
    ["flattened core URN-qualified key", { [`${USER_SCHEMA}:title`]: "Boss" }, { title: "Boss" }],
    ["unknown attributes and unknown extension URNs ignored", { foo: 1, "urn:example:custom:2.0:User": { a: 1 }, "urn:example:custom:2.0:User:a": 1 }, {}],
    // A bare extension attribute name is not the extension's in a body (only in paths): an Okta custom
    // "manager" string in the core namespace must not fail as the enterprise manager, nor a bare key override
    // the qualified extension object.
    ["a bare key named like an extension attribute is an unknown key, ignored", { manager: "Jane Boss", department: "Engineering", [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } }, { [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } }],
    ["unknown sub-attributes ignored", { name: { givenName: "G", nickname: "n" } }, { name: { givenName: "G" } }],
    ["null means unset", { displayName: null, name: null, emails: null }, {}],
    ["null inside a complex value means unset", { name: { givenName: "G", familyName: null } }, { name: { givenName: "G" } }],
    ["empty arrays and empty complex values are unassigned", { emails: [], name: {}, [ENTERPRISE_USER_SCHEMA]: {} }, {}],
    ["empty strings kept as given", { displayName: "" }, { displayName: "" }],
    ["externalId kept as given", { externalId: "AbC-1" }, { externalId: "AbC-1" }],
    ["single object for a multi-valued attribute is wrapped", { emails: { value: "a@x" } }, { emails: [{ value: "a@x" }] }],
  ];
  test.each(cases)("%s", (_label, extra, expected) => {
    const { schemas: _s, userName: _u, ...rest } = user(extra);
    expect(rest).toEqual(expected);
  });

  test("userName matched case-insensitively", () => {
    expect(readResourceInput({ USERNAME: "x" }, USER)).toEqual({ schemas: [USER_SCHEMA], userName: "x" });
  });

  test.each([
    ["schemas missing", undefined],
    ["schemas not an array", "urn:ietf:params:scim:schemas:core:2.0:User"],
    ["unknown URNs in schemas", [USER_SCHEMA, "urn:example:custom"]],
    ["enterprise URN misspelled in case", [USER_SCHEMA, ENTERPRISE_USER_SCHEMA.toLowerCase()]],
  ])("%s: schemas rebuilt from the data present", (_label, schemas) => {
    const out = user({ schemas, [ENTERPRISE_USER_SCHEMA.toLowerCase()]: { department: "Sales" } });
    expect(out.schemas).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA]);
  });

  test("schemas list core first, then extensions in registry order", () => {
    const out = user({ [SCIMD_USER_SCHEMA]: { site: "HQ" }, [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } });
    expect(out.schemas).toEqual([USER_SCHEMA, ENTERPRISE_USER_SCHEMA, SCIMD_USER_SCHEMA]);
  });
});

describe("readResourceInput: mutability", () => {
  test.each([
    ["id", { id: "client-chosen" }],
    ["meta", { meta: { created: "2020-01-01T00:00:00Z" } }],
    ["groups (readOnly)", { groups: [{ value: "g1" }] }],
    ["password (writeOnly, never stored)", { password: "t1meMa$heen" }],
    ["flattened readOnly sub-attribute", { [`${ENTERPRISE_USER_SCHEMA}:manager.displayName`]: "Boss" }],
    ["URN-qualified id", { [`${USER_SCHEMA}:id`]: "x" }],
  ])("%s ignored", (_label, extra) => {
    expect(user(extra)).toEqual({ schemas: [USER_SCHEMA], userName: "bjensen" });
  });

  test("a wrong type for an ignored attribute does not fail the request", () => {
    expect(() => user({ groups: "nonsense", password: 12, id: {} })).not.toThrow();
  });
});

describe("readResourceInput: multi-valued primary", () => {
  test("several primary: true keep the first and set the others to false", () => {
    const out = user({
      emails: [
        { value: "a@x", primary: true },
        { value: "b@x", primary: "True" },
        { value: "c@x" },
      ],
    });
    expect(out.emails).toEqual([{ value: "a@x", primary: true }, { value: "b@x", primary: false }, { value: "c@x" }]);
  });

  test("a single primary is untouched", () => {
    const emails = [{ value: "a@x" }, { value: "b@x", primary: true }];
    expect(user({ emails }).emails).toEqual(emails);
  });
});

describe("readResourceInput: errors", () => {
  test.each([[null], [[]], ["text"], [42], [true]])("body %p is an InvalidSyntaxError", (body: unknown) => {
    expect(() => readResourceInput(body, USER)).toThrow(InvalidSyntaxError);
  });

  const wrongTypes: [string, Record<string, unknown>, string][] = [
    ["boolean", { active: "yes" }, '"active"'],
    ["string", { displayName: { a: 1 } }, '"displayName"'],
    ["complex", { name: "Barbara" }, '"name"'],
    ["sub-attribute", { emails: [{ value: "a@x", primary: "maybe" }] }, '"emails.primary"'],
    ["single-valued given an array", { displayName: ["a", "b"] }, '"displayName"'],
    ["extension attribute", { [ENTERPRISE_USER_SCHEMA]: { department: { a: 1 } } }, `"${ENTERPRISE_USER_SCHEMA}:department"`],
    ["extension not an object", { [ENTERPRISE_USER_SCHEMA]: "Sales" }, `"${ENTERPRISE_USER_SCHEMA}"`],
    ["flattened sub-attribute", { [`${ENTERPRISE_USER_SCHEMA}:manager.value`]: { a: 1 } }, `"${ENTERPRISE_USER_SCHEMA}:manager.value"`],
    // RFC 7643 §2.3.6: a binary attribute is base64.
    ["binary that is not base64", { x509Certificates: [{ value: "%%% not base64 %%%" }] }, '"x509Certificates.value" is binary and must be base64-encoded'],
    ["binary with a misplaced padding", { x509Certificates: [{ value: "ab=c" }] }, '"x509Certificates.value"'],
    ["binary of the wrong length", { x509Certificates: [{ value: "abcde" }] }, '"x509Certificates.value"'],
    ["binary in two alphabets", { x509Certificates: [{ value: "A-B_C+D/" }] }, '"x509Certificates.value"'],
    ["binary as a PEM file", { x509Certificates: [{ value: "-----BEGIN CERTIFICATE-----\nMIIDQTCC\n-----END CERTIFICATE-----" }] }, "without PEM's BEGIN and END lines"],
  ];
  test("binary in base64: padded, unpadded, URL-safe, or with PEM's line breaks", () => {
    for (const value of ["MIIDQTCC", "TWE=", "TWE", "TQ==", "TQ", "-_-_", "--------", "MIID\r\nQTCC", ""])
      expect(user({ x509Certificates: [{ value }] }).x509Certificates).toEqual([{ value }]);
  });
  test.each(wrongTypes)("wrong type (%s) names the attribute", (_label, extra, name) => {
    expect(() => user(extra)).toThrow(InvalidValueError);
    expect(() => user(extra)).toThrow(name);
  });

  test.each([
    ["missing", {}],
    ["null", { userName: null }],
    ["empty", { userName: "" }],
    ["blank", { userName: "  " }],
  ])("User userName %s is required", (_label, body) => {
    expect(() => readResourceInput(body, USER)).toThrow(
      new InvalidValueError('The attribute "userName" is required; send the user\'s unique sign-in name in userName.'),
    );
  });

  test.each([{}, { displayName: "" }, { displayName: null }])("Group displayName is required (%p)", (body) => {
    expect(() => readResourceInput(body, GROUP)).toThrow('The attribute "displayName" is required');
  });

  test("readOnly attributes are ignored even for a Group", () => {
    expect(readResourceInput({ displayName: "G", id: "x", meta: {} }, GROUP)).toEqual({ schemas: [GROUP_SCHEMA], displayName: "G" });
  });
});

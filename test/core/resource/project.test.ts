import { describe, expect, test } from "bun:test";
import { parseAttributeList, picksFor, projectResource } from "../../../src/core/resource/project.ts";
import { GROUP, USER, type ResourceSchema } from "../../../src/core/schema/registry.ts";
import { attr } from "../../../src/core/schema/types.ts";
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from "../../../src/core/schema/urns.ts";
import enterpriseUser from "../../fixtures/rfc/rfc7643-8.3-enterprise-user.json";
import rfcGroup from "../../fixtures/rfc/rfc7643-8.4-group.json";

const EXT = ENTERPRISE_USER_SCHEMA;
const keys = (o: Record<string, unknown>) => Object.keys(o).sort();
const project = (opts: { attributes?: string[]; excludedAttributes?: string[] }) =>
  projectResource(enterpriseUser, USER, opts);

describe("parseAttributeList", () => {
  test.each([
    [undefined, undefined],
    ["", undefined],
    [" , ,", undefined],
    ["userName", ["userName"]],
    [" userName , name.givenName ,,emails ", ["userName", "name.givenName", "emails"]],
    [`${EXT}:department,meta.created`, [`${EXT}:department`, "meta.created"]],
  ])("%p -> %p", (param, expected) => {
    expect(parseAttributeList(param)).toEqual(expected);
  });
});

describe("projectResource: no lists", () => {
  test("returns every default attribute and drops returned: never (password)", () => {
    const out = project({});
    const { password: _p, ...rest } = enterpriseUser;
    expect(out).toEqual(rest);
  });

  test("keeps the resource's key order", () => {
    const { password: _p, ...rest } = enterpriseUser;
    expect(Object.keys(project({}))).toEqual(Object.keys(rest));
  });

  test("drops keys the resource type does not define", () => {
    expect(projectResource({ schemas: [USER_SCHEMA], id: "1", userName: "u", bogus: 1 }, USER, {})).toEqual({
      schemas: [USER_SCHEMA],
      id: "1",
      userName: "u",
    });
  });
});

describe("projectResource: attributes", () => {
  const cases: [string, string[], Record<string, unknown>][] = [
    ["userName only, plus schemas and id (always); meta is default", ["userName"], { userName: enterpriseUser.userName }],
    ["names are case-insensitive", ["USERNAME", "DISPLAYNAME"], { userName: enterpriseUser.userName, displayName: "Babs Jensen" }],
    ["URN-qualified core name", [`${USER_SCHEMA}:userName`], { userName: enterpriseUser.userName }],
    ["sub-attribute of a complex attribute", ["name.givenName"], { name: { givenName: "Barbara" } }],
    ["sub-attribute of a multi-valued attribute", ["emails.value"], { emails: [{ value: "bjensen@example.com" }, { value: "babs@jensen.org" }] }],
    ["two sub-attributes of one attribute", ["emails.value", "EMAILS.TYPE"], { emails: [{ value: "bjensen@example.com", type: "work" }, { value: "babs@jensen.org", type: "home" }] }],
    ["meta sub-attribute", ["meta.created"], { meta: { created: "2010-01-23T04:56:22Z" } }],
    ["meta when named", ["meta"], { meta: enterpriseUser.meta }],
    ["URN-qualified extension attribute", [`${EXT}:department`], { [EXT]: { department: "Tour Operations" } }],
    ["extension URN in another case", [`${EXT.toLowerCase()}:Department`], { [EXT]: { department: "Tour Operations" } }],
    ["URN-qualified extension sub-attribute", [`${EXT}:manager.value`], { [EXT]: { manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d" } } }],
    ["whole extension URN", [EXT], { [EXT]: enterpriseUser[EXT] }],
    ["password is never returned, even when named", ["password"], {}],
    ["unknown names are ignored", ["nope", "name.nope", "urn:example:x:foo", `${EXT}:nope`], {}],
    ["id named explicitly changes nothing", ["id"], {}],
  ];
  test.each(cases)("%s", (_label, attributes, expected) => {
    // schemas names the extension only when some of its attributes remain (RFC 7643 §3).
    const schemas = EXT in expected ? enterpriseUser.schemas : [USER_SCHEMA];
    expect(project({ attributes })).toEqual({ schemas, id: enterpriseUser.id, ...expected });
  });

  test("attributes wins when both lists are given", () => {
    expect(keys(project({ attributes: ["userName"], excludedAttributes: ["userName"] }))).toEqual(["id", "schemas", "userName"]);
  });

  test("an empty attributes list means no projection", () => {
    expect(project({ attributes: [] })).toEqual(project({}));
  });

  test("schemas drops an extension that the projection leaves without attributes (RFC 7643 §3), and only that", () => {
    expect(project({ attributes: ["userName"] }).schemas).toEqual([USER_SCHEMA]);
    expect(project({ excludedAttributes: [EXT] }).schemas).toEqual([USER_SCHEMA]);
    expect(project({ excludedAttributes: [`${EXT}:department`] }).schemas).toEqual([USER_SCHEMA, EXT]);
    expect(project({ attributes: [`${EXT}:department`] }).schemas).toEqual([USER_SCHEMA, EXT]);
    // A URN the server does not know is not its to judge: kept.
    expect(projectResource({ ...enterpriseUser, schemas: [USER_SCHEMA, "urn:example:other"] }, USER, { attributes: ["userName"] }).schemas).toEqual([USER_SCHEMA, "urn:example:other"]);
  });
});

describe("projectResource: excludedAttributes", () => {
  const cases: [string, string[], (o: Record<string, unknown>) => void][] = [
    ["removes a top-level attribute", ["emails"], (o) => expect(o.emails).toBeUndefined()],
    ["names are case-insensitive", ["EMAILS"], (o) => expect(o.emails).toBeUndefined()],
    ["removes one sub-attribute", ["name.givenName"], (o) => expect(o.name).toEqual({ ...enterpriseUser.name, givenName: undefined })],
    ["removes one sub-attribute of each element", ["emails.type"], (o) => expect(o.emails).toEqual([{ value: "bjensen@example.com", primary: true }, { value: "babs@jensen.org" }])],
    ["removes meta", ["meta"], (o) => expect(o.meta).toBeUndefined()],
    ["removes meta sub-attribute", ["meta.version"], (o) => expect(Object.keys(o.meta as object)).not.toContain("version")],
    ["removes an extension attribute", [`${EXT}:department`], (o) => expect(Object.keys(o[EXT] as object)).not.toContain("department")],
    ["removes an extension sub-attribute", [`${EXT}:manager.$ref`], (o) => expect((o[EXT] as Record<string, unknown>).manager).toEqual({ value: "26118915-6090-4610-87e4-49d8ca9f808d", displayName: "John Smith" })],
    ["removes a whole extension", [EXT], (o) => expect(o[EXT]).toBeUndefined()],
    ["cannot remove id (returned: always)", ["id"], (o) => expect(o.id).toBe(enterpriseUser.id)],
    ["cannot remove schemas", ["schemas"], (o) => expect(o.schemas).toEqual(enterpriseUser.schemas)],
    ["unknown names are ignored", ["nope", `${EXT}:nope`], (o) => expect(keys(o)).toEqual(keys(project({})))],
    ["password stays out", ["emails"], (o) => expect(o.password).toBeUndefined()],
  ];
  test.each(cases)("%s", (_label, excludedAttributes, check) => {
    check(project({ excludedAttributes }));
  });

  test("an extension left empty disappears", () => {
    const all = Object.keys(enterpriseUser[EXT]).map((n) => `${EXT}:${n}`);
    expect(project({ excludedAttributes: all })[EXT]).toBeUndefined();
  });

  test("group members can be excluded (Entra reads groups with excludedAttributes=members)", () => {
    expect(keys(projectResource(rfcGroup, GROUP, { excludedAttributes: ["members"] }))).toEqual(["displayName", "id", "meta", "schemas"]);
  });
});

describe("projectResource: returned characteristic", () => {
  // The registry has no "request" attributes and no "always" sub-attributes; a test type supplies them.
  const TEST: ResourceSchema = {
    ...USER,
    core: {
      ...USER.core,
      attributes: [
        ...USER.core.attributes,
        attr("secretNote", { returned: "request" }),
        attr("badge", {
          type: "complex",
          subAttributes: [
            attr("serial", { returned: "always" }),
            attr("label"),
            attr("pin", { returned: "never" }),
            attr("history", { returned: "request" }),
          ],
        }),
      ],
    },
  };
  const resource = {
    schemas: [USER_SCHEMA],
    id: "1",
    userName: "u",
    password: "p",
    secretNote: "n",
    badge: { serial: "S", label: "L", pin: "0000", history: "H" },
  };
  const cases: [string, { attributes?: string[]; excludedAttributes?: string[] }, Record<string, unknown>][] = [
    ["default: request and never left out", {}, { userName: "u", badge: { serial: "S", label: "L" } }],
    ["request attribute returned when named", { attributes: ["secretNote"] }, { secretNote: "n" }],
    ["request attribute not returned by excludedAttributes", { excludedAttributes: ["userName"] }, { badge: { serial: "S", label: "L" } }],
    ["whole complex: always and default subs", { attributes: ["badge"] }, { badge: { serial: "S", label: "L" } }],
    ["one sub named: always sub comes along", { attributes: ["badge.label"] }, { badge: { serial: "S", label: "L" } }],
    ["request sub named", { attributes: ["badge.history"] }, { badge: { serial: "S", history: "H" } }],
    ["never sub named", { attributes: ["badge.pin"] }, { badge: { serial: "S" } }],
    ["always sub cannot be excluded", { excludedAttributes: ["badge.serial", "badge.label"] }, { userName: "u", badge: { serial: "S" } }],
  ];
  test.each(cases)("%s", (_label, opts, expected) => {
    expect(projectResource(resource, TEST, opts)).toEqual({ schemas: [USER_SCHEMA], id: "1", ...expected });
  });
});

describe("a request's list of names is resolved once", () => {
  test("picksFor returns the same picks for the same list (a page projects each resource with it), fresh ones for another list or resource type", () => {
    const names = ["userName", "emails.value", "a0", "a1"];
    const first = picksFor(USER, names);
    expect(picksFor(USER, names)).toBe(first);
    expect(picksFor(USER, [...names])).not.toBe(first);
    expect(picksFor(GROUP, names)).not.toBe(first);
  });

  test("projecting many resources with one list gives each the same result as a list of its own", () => {
    const names = ["userName", "name.givenName", ...Array.from({ length: 500 }, (_, i) => `unknown${i}`)];
    const users = Array.from({ length: 50 }, (_, i) => ({ ...enterpriseUser, id: `u${i}`, userName: `user${i}` }));
    const shared = users.map((u) => projectResource(u, USER, { attributes: names }));
    expect(shared).toEqual(users.map((u) => projectResource(u, USER, { attributes: [...names] })));
    expect(shared[7]).toEqual({ schemas: expect.any(Array), id: "u7", userName: "user7", name: { givenName: enterpriseUser.name.givenName } });
  });
});

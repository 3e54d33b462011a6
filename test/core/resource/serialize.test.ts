import { describe, expect, test } from "bun:test";
import { readResourceInput } from "../../../src/core/resource/deserialize.ts";
import { projectResource } from "../../../src/core/resource/project.ts";
import { etagOf, withMeta } from "../../../src/core/resource/serialize.ts";
import { USER } from "../../../src/core/schema/registry.ts";
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from "../../../src/core/schema/urns.ts";
import enterpriseUser from "../../fixtures/rfc/rfc7643-8.3-enterprise-user.json";
import minimalUser from "../../fixtures/rfc/rfc7643-8.1-minimal-user.json";

const META = {
  resourceType: "User",
  created: "2010-01-23T04:56:22Z",
  lastModified: "2011-05-13T04:42:34Z",
  version: "3694e05e9dff590",
  location: "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
};

describe("etagOf", () => {
  test.each([
    [3, 'W/"3"'],
    ["3694e05e9dff590", 'W/"3694e05e9dff590"'],
    ['W/"abc"', 'W/"abc"'],
  ])("%p -> %p", (version, etag) => {
    expect(etagOf(version)).toBe(etag);
  });
});

describe("withMeta", () => {
  const stored = { ...readResourceInput(minimalUser, USER), id: minimalUser.id };

  test("rebuilds the RFC 7643 §8.1 minimal user", () => {
    expect(withMeta(stored, META)).toEqual(minimalUser);
  });

  test("schemas and id first, meta last", () => {
    const out = withMeta({ userName: "u", id: "1", [ENTERPRISE_USER_SCHEMA]: { department: "D" }, schemas: [USER_SCHEMA] }, META);
    expect(Object.keys(out)).toEqual(["schemas", "id", "userName", ENTERPRISE_USER_SCHEMA, "meta"]);
    expect(Object.keys(out.meta as object)).toEqual(["resourceType", "created", "lastModified", "version", "location"]);
  });

  test("replaces any meta already on the resource", () => {
    const out = withMeta({ ...stored, meta: { version: "old" } }, { ...META, version: 7 });
    expect((out.meta as Record<string, unknown>).version).toBe('W/"7"');
  });

  test("then projection can drop meta (RFC 7644 §3.9)", () => {
    const out = projectResource(withMeta(stored, META), USER, { attributes: ["userName"] });
    expect(out).toEqual({ schemas: [USER_SCHEMA], id: minimalUser.id, userName: minimalUser.userName });
  });

  test("round trip of the RFC 7643 §8.3 enterprise user loses only what the SP never keeps", () => {
    const storedEnterprise = { ...readResourceInput(enterpriseUser, USER), id: enterpriseUser.id };
    const out = projectResource(withMeta(storedEnterprise, { ...META, version: "3694e05e9dff591" }), USER, {});
    const { password: _p, groups: _g, ...expected } = enterpriseUser;
    const { displayName: _d, ...manager } = enterpriseUser[ENTERPRISE_USER_SCHEMA].manager;
    expect(out).toEqual({ ...expected, [ENTERPRISE_USER_SCHEMA]: { ...expected[ENTERPRISE_USER_SCHEMA], manager } });
  });
});

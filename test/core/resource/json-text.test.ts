import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { JsonText, spliceResource, stringifyResource } from "../../../src/core/resource/json-text.ts";
import { withMeta } from "../../../src/core/resource/serialize.ts";
import type { ScimResource } from "../../../src/core/resource/types.ts";

describe("JsonText", () => {
  const members = [{ value: "a", $ref: "http://x/scim/Users/a", type: "User", display: 'quote " and \\ backslash' }];
  const resource = { schemas: ["s"], id: "g", displayName: "G", members: new JsonText(JSON.stringify(members)), meta: { version: 'W/"1"' } };

  test("top-level JSON text is spliced as it is, in key order", () => {
    const text = stringifyResource(resource);
    expect(JSON.parse(text)).toEqual({ schemas: ["s"], id: "g", displayName: "G", members, meta: { version: 'W/"1"' } });
    expect(Object.keys(JSON.parse(text))).toEqual(["schemas", "id", "displayName", "members", "meta"]);
  });

  test("nested (inside a ListResponse), it serialises to the same value through toJSON", () => {
    const list = { Resources: [resource] };
    expect(JSON.parse(JSON.stringify(list)).Resources[0].members).toEqual(members);
  });

  test("a resource without JSON text is JSON.stringify's output", () => {
    const plain = { a: 1, b: [1, "x"], c: { d: null } };
    expect(stringifyResource(plain)).toBe(JSON.stringify(plain));
  });
});

describe("spliceResource: a stored user's text spliced into its representation", () => {
  const meta = { resourceType: "User", created: "2026-01-01T00:00:00.000Z", lastModified: "2026-01-02T00:00:00.000Z", version: 'W/"3"', location: "https://h/scim/Users/u1" };
  const groups = [{ value: "g1", $ref: "https://h/scim/Groups/g1", display: "Sales \"EMEA\"", type: "direct" }];
  /** What the object path gives: withMeta then stringifyResource. */
  const slow = (data: Record<string, unknown>, id: string, extra: Record<string, unknown>) =>
    stringifyResource(withMeta({ ...data, id, ...extra } as ScimResource, { ...meta, version: 3 }));

  const attribute = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.record({ value: fc.string(), type: fc.string() }), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
  const name = fc.string({ minLength: 1 }).filter((k) => !["id", "meta", "groups", "schemas", "__proto__"].includes(k));

  test("gives the same bytes as the object path, for any stored attributes, with and without groups", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("urn:ietf:params:scim:schemas:core:2.0:User", "urn:x:ext"), { minLength: 1, maxLength: 2 }), fc.dictionary(name, attribute, { maxKeys: 8 }), fc.boolean(), (schemas, attrs, withGroups) => {
        const data = { schemas, ...attrs };
        const extra = withGroups ? { groups } : {};
        const spliced = spliceResource(JSON.stringify(data), "u1", extra, meta);
        // A nested "id" or "meta" member sends the resource down the object path: that is allowed, not required.
        // Declining is allowed when schemas is not first (an integer-like member name sorts first in a JS
        // object) or a nested "id", "meta" or "groups" member appears; then the object path renders it.
        if (spliced === null) return !JSON.stringify(data).startsWith('{"schemas":[') || /"(id|meta|groups)":/.test(JSON.stringify(attrs));
        return spliced.text === slow(data, "u1", extra);
      }),
      { numRuns: 3000 },
    );
  });

  test("declines a stored text of another shape, so that the object path renders it", () => {
    expect(spliceResource(JSON.stringify({ userName: "a", schemas: ["urn:x"] }), "u1", {}, meta)).toBeNull();
    expect(spliceResource(JSON.stringify({ schemas: ["urn:x"], id: "old", userName: "a" }), "u1", {}, meta)).toBeNull();
    expect(spliceResource(JSON.stringify({ schemas: ["urn:x"], meta: { version: "1" } }), "u1", {}, meta)).toBeNull();
    expect(spliceResource(JSON.stringify({ schemas: ["urn:x"], groups: [] }), "u1", { groups }, meta)).toBeNull();
    expect(spliceResource('{ "schemas": ["urn:x"] }', "u1", {}, meta)).toBeNull();
  });
});

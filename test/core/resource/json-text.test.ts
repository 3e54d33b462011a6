import { describe, expect, test } from "bun:test";
import { JsonText, stringifyResource } from "../../../src/core/resource/json-text.ts";

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

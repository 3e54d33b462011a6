import { describe, expect, test } from "bun:test";
import { isScimError, type ScimType } from "../../../src/core/errors.ts";
import { parsePatchRequest } from "../../../src/core/patch/parse-patch.ts";
import { GROUP, USER } from "../../../src/core/schema/registry.ts";
import { body, E, thrown } from "./patch-helpers.ts";

describe("parsePatchRequest accepts", () => {
  test.each([
    ["Entra ID's capitalised ops", body({ op: "Replace", path: "title", value: "x" }), "replace"],
    ["upper-case ops", body({ op: "ADD", path: "title", value: "x" }), "add"],
    ["a message without schemas", { Operations: [{ op: "remove", path: "title" }] }, "remove"],
    ["a message with other schemas", { schemas: ["urn:x"], Operations: [{ op: "add", path: "title", value: 1 }] }, "add"],
    ["lower-case member names", { operations: [{ OP: "replace", Path: "title", Value: "x" }] }, "replace"],
  ])("%s", (_name, input, op) => {
    const [first] = parsePatchRequest(input, USER);
    expect(first?.op).toBe(op as "add");
  });

  test("normalises the path and keeps the raw text", () => {
    const [op] = parsePatchRequest(body({ op: "replace", path: 'emails[type eq "work"].value', value: "a@b" }), USER);
    expect(op?.rawPath).toBe('emails[type eq "work"].value');
    expect(op?.path?.path.attribute).toBe("emails");
    expect(op?.path?.subAttribute).toBe("value");
    expect(op?.path?.filter?.kind).toBe("compare");
  });

  test.each([[""], ["   "], [null]])("path %p means no path", (path) => {
    const [op] = parsePatchRequest(body({ op: "add", path, value: { title: "x" } }), USER);
    expect(op?.path).toBeUndefined();
  });

  test("a value of null is kept for add and replace: it means remove", () => {
    const [op] = parsePatchRequest(body({ op: "replace", path: "title", value: null }), USER);
    expect(op).toEqual({ op: "replace", path: op!.path!, rawPath: "title", value: null });
  });

  test("`schemas` as a path parses (and is ignored when applied)", () => {
    expect(parsePatchRequest(body({ op: "replace", path: "schemas", value: [] }), USER)).toHaveLength(1);
  });

  test("extension paths and the bare extension URN", () => {
    const ops = parsePatchRequest(
      body({ op: "add", path: `${E}:manager.value`, value: "x" }, { op: "add", path: E, value: { department: "d" } }),
      USER,
    );
    expect(ops).toHaveLength(2);
  });
});

describe("an operation on an attribute scimd does not define is left out (as POST ignores it), and reported", () => {
  const cases: [string, string, typeof USER][] = [
    ["an unknown attribute", "shoeSize", USER],
    ["an unknown extension attribute", `${E}:shoeSize`, USER],
    ["a custom extension's attribute (mapped in Entra)", "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag", USER],
    ["a misspelt site URN", "urn:ietf:params:scim:schemas:extension:scimd:2.0:Users:site", USER],
    ["a User attribute on a Group", "userName", GROUP],
    ["a value path on an unknown attribute", 'customRoles[type eq "admin"].value', USER],
  ];
  test.each(cases)("%s", (_name, path, rs) => {
    const seen: string[] = [];
    const known = rs === USER ? "active" : "displayName";
    const ops = parsePatchRequest(
      body({ op: "Replace", path: known, value: "False" }, { op: "Add", path, value: "701984" }, { op: "remove", path }),
      rs,
      { onUnknownPath: (p) => seen.push(p) },
    );
    // The other operations stay: a disable sent beside an unknown attribute is applied.
    expect(ops.map((o) => o.rawPath)).toEqual([known]);
    expect(seen).toEqual([path, path]);
  });
});

describe("parsePatchRequest rejects", () => {
  const cases: [string, unknown, ScimType][] = [
    ["a body that is not an object", [1], "invalidSyntax"],
    ["a missing Operations", { schemas: [] }, "invalidSyntax"],
    ["Operations that is not an array", { Operations: { op: "add" } }, "invalidSyntax"],
    ["an empty Operations", { Operations: [] }, "invalidSyntax"],
    ["an operation that is not an object", body("add"), "invalidSyntax"],
    ["an unknown op", body({ op: "move", path: "title" }), "invalidSyntax"],
    ["a missing op", body({ path: "title", value: "x" }), "invalidSyntax"],
    ["an add without value", body({ op: "add", path: "title" }), "invalidSyntax"],
    ["a replace without value", body({ op: "replace", path: "title" }), "invalidSyntax"],
    ["a remove without path (RFC 7644 §3.5.2.2)", body({ op: "remove" }), "noTarget"],
    ["a path-less add whose value is not an object", body({ op: "add", value: "x" }), "invalidValue"],
    ["a path that is not a string", body({ op: "add", path: 3, value: "x" }), "invalidPath"],
    ["a malformed path", body({ op: "add", path: "emails[type eq", value: "x" }), "invalidPath"],
    ["an unknown sub-attribute of a known attribute (a typo, not a mapping)", body({ op: "add", path: "name.nick", value: 1 }), "invalidPath"],
    ["a sub-attribute of a simple attribute", body({ op: "replace", path: "title.value", value: "x" }), "invalidPath"],
    ["a filter on an unknown sub-attribute", body({ op: "remove", path: 'emails[kind eq "work"]' }), "invalidPath"],
    ["a filter on a simple attribute", body({ op: "remove", path: 'title[value eq "x"]' }), "invalidPath"],
    // Malformed whichever attribute it names: not a custom attribute to leave out (it was, with a 200).
    ["a malformed value path on an unknown attribute", body({ op: "replace", path: "nosuch[", value: "x" }), "invalidPath"],
    ["a value path with a malformed filter on an unknown attribute", body({ op: "replace", path: "nosuch[a eq]", value: "x" }), "invalidPath"],
    ["a value path on an unknown attribute with text after it", body({ op: "replace", path: 'nosuch[a eq "b"]x', value: "x" }), "invalidPath"],
  ];
  test.each(cases)("%s", (_name, input, scimType) => {
    const e = thrown(() => parsePatchRequest(input, USER));
    expect(isScimError(e) && e.scimType).toBe(scimType);
    expect(isScimError(e) && e.status).toBe(400);
  });

  test("an unknown sub-attribute of a value path on a known attribute, and a malformed URN path", () => {
    for (const path of ['emails[type eq "work"].valu', "urn:ietf:params:scim:schemas:core:2.0:User:emails[", "name..givenName"]) {
      const e = thrown(() => parsePatchRequest(body({ op: "add", path, value: "x" }), USER));
      expect([path, isScimError(e) && e.scimType]).toEqual([path, "invalidPath"]);
    }
  });

  test("more than maxOperations operations is tooMany, before anything is parsed", () => {
    const ops = Array.from({ length: 3 }, () => ({ op: "add", path: "title", value: "x" }));
    const e = thrown(() => parsePatchRequest(body(...ops), USER, { maxOperations: 2 }));
    expect(isScimError(e) && e.scimType).toBe("tooMany");
    expect(isScimError(e) && e.detail).toContain("2 allowed");
  });

  test("the default limit is 1000", () => {
    const ops = Array.from({ length: 1001 }, () => ({ op: "add", path: "title", value: "x" }));
    expect(parsePatchRequest(body(...ops.slice(1)), USER)).toHaveLength(1000);
    expect(isScimError(thrown(() => parsePatchRequest(body(...ops), USER)))).toBe(true);
  });

  test("errors name the failing operation", () => {
    const e = thrown(() => parsePatchRequest(body({ op: "add", path: "title", value: "x" }, { op: "nope" }), USER));
    expect(isScimError(e) && e.detail).toContain("Operations[1]");
  });
});

test("an error about an extension path names the whole attribute, not a cut-off URN", () => {
  const path = `${E}:department.foo`;
  const e = thrown(() => parsePatchRequest(body({ op: "add", path, value: "x" }), USER));
  expect(isScimError(e) && e.scimType).toBe("invalidPath");
  expect(isScimError(e) && e.detail).toContain("enterprise:2.0:User:department");
});

import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { isScimError } from "../../../src/core/errors.ts";
import { applyPatch } from "../../../src/core/patch/apply-patch.ts";
import { parsePatchRequest } from "../../../src/core/patch/parse-patch.ts";
import type { ScimResource } from "../../../src/core/resource/types.ts";
import { GROUP, USER, type ResourceSchema } from "../../../src/core/schema/registry.ts";
import { GROUP_SCHEMA } from "../../../src/core/schema/urns.ts";
import { E, fullUser } from "./patch-helpers.ts";

// Whatever a client sends, PATCH ends in a resource or a ScimError (rendered as a 400), never a 500.

const NUM_RUNS = 10_000;

const USER_PATHS = [
  "title", "displayName", "active", "userName", "nickName", "name", "name.givenName", "name.familyName", "emails",
  'emails[type eq "work"]', 'emails[type eq "work"].value', "emails.value", "emails[primary eq true]",
  'emails[type eq "work" and value ew "example.com"]', 'emails[not (type eq "home")].display', 'emails[value pr]',
  'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].streetAddress', "addresses", "groups", "id",
  "meta", "meta.created", "externalId", "schemas", E, `${E}:department`, `${E}:manager`, `${E}:manager.value`,
  `${E}:manager.displayName`, `${E}:manager[value eq "x"].$ref`, "urn:ietf:params:scim:schemas:core:2.0:User:title",
  'name[givenName eq "Barbara"].familyName', "x509Certificates", 'roles[value eq 1]', "emails[type gt true]",
];
const GROUP_PATHS = ["members", 'members[value eq "a"]', 'members[value eq "a"].value', "members.type", "displayName", "id"];

const scalar = fc.oneof(fc.string({ maxLength: 8 }), fc.boolean(), fc.integer(), fc.double(), fc.constant(null), fc.constantFrom("True", "False", "", "2024-01-01T00:00:00Z"));
const smallJson = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("value", "type", "primary", "display", "$ref", "givenName", "x"), scalar, { maxKeys: 4 }),
  fc.array(fc.dictionary(fc.constantFrom("value", "type", "primary", "display", "$ref"), scalar, { maxKeys: 3 }), { maxLength: 3 }),
);
const keyArb = fc.oneof(fc.constantFrom(...USER_PATHS), fc.string({ maxLength: 10 }));
const pathLessValue = fc.dictionary(keyArb, fc.oneof(smallJson, fc.dictionary(fc.constantFrom("department", "manager", "zz"), smallJson, { maxKeys: 2 })), { maxKeys: 5 });

/** A path from the pool, sometimes cut short or spliced with junk to probe the parser. */
function pathArb(pool: readonly string[]) {
  return fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...pool) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...pool), fc.nat(40)).map(([p, n]) => p.slice(0, n)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...pool), fc.string({ maxLength: 4 }), fc.nat(40)).map(([p, s, n]) => p.slice(0, n) + s + p.slice(n)) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(undefined), fc.constant(null), fc.integer()) },
  );
}

function operationArb(pool: readonly string[]) {
  return fc.record(
    {
      op: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom("add", "Add", "replace", "Replace", "REMOVE", "remove") },
        { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 6 }), fc.constant(undefined)) },
      ),
      path: pathArb(pool),
      value: fc.oneof(smallJson, pathLessValue),
    },
    { requiredKeys: ["op"] },
  );
}

function bodyArb(pool: readonly string[]) {
  return fc.oneof(
    { weight: 10, arbitrary: fc.record({ schemas: fc.constant(["urn:ietf:params:scim:api:messages:2.0:PatchOp"]), Operations: fc.array(operationArb(pool), { minLength: 0, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  );
}

function outcome(resource: ScimResource, input: unknown, rs: ResourceSchema): "ok" | "scim-error" {
  try {
    const out = applyPatch(resource, parsePatchRequest(input, rs), rs);
    if (typeof out !== "object" || out === null || Array.isArray(out)) throw new Error("applyPatch returned a non-object");
    return "ok";
  } catch (e) {
    if (isScimError(e)) return "scim-error";
    throw e;
  }
}

describe("PATCH never fails with anything but a ScimError", () => {
  test(`User: ${NUM_RUNS} random and mutated bodies`, () => {
    const base = fullUser();
    const snapshot = structuredClone(base);
    let ok = 0;
    fc.assert(
      fc.property(bodyArb(USER_PATHS), (input) => {
        if (outcome(base, input, USER) === "ok") ok++;
      }),
      { numRuns: NUM_RUNS },
    );
    expect(base).toEqual(snapshot);
    // The generator must reach the engine, not only the validator.
    expect(ok).toBeGreaterThan(NUM_RUNS / 20);
  });

  test(`Group: ${NUM_RUNS / 5} random and mutated bodies`, () => {
    const base: ScimResource = { schemas: [GROUP_SCHEMA], id: "g", displayName: "G", members: [{ value: "a", type: "User" }, { value: "b" }] };
    const snapshot = structuredClone(base);
    fc.assert(fc.property(bodyArb(GROUP_PATHS), (input) => void outcome(base, input, GROUP)), { numRuns: NUM_RUNS / 5 });
    expect(base).toEqual(snapshot);
  });
});

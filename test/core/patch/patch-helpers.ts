import { applyPatch } from "../../../src/core/patch/apply-patch.ts";
import { parsePatchRequest } from "../../../src/core/patch/parse-patch.ts";
import type { ScimResource } from "../../../src/core/resource/types.ts";
import { USER, type ResourceSchema } from "../../../src/core/schema/registry.ts";
import { ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from "../../../src/core/schema/urns.ts";

export const E = ENTERPRISE_USER_SCHEMA;

/** A user with every kind of attribute the PATCH engine walks: simple, complex, multi-valued, extension. */
export function fullUser(): ScimResource {
  return {
    schemas: [USER_SCHEMA, E],
    id: "2819c223-7f76-453a-919d-413861904646",
    externalId: "bjensen",
    userName: "bjensen@example.com",
    name: { formatted: "Ms. Barbara J Jensen III", familyName: "Jensen", givenName: "Barbara" },
    displayName: "Babs Jensen",
    title: "Tour Guide",
    active: true,
    emails: [
      { value: "bjensen@example.com", type: "work", primary: true },
      { value: "babs@jensen.org", type: "home" },
    ],
    phoneNumbers: [{ value: "555-555-5555", type: "work" }],
    addresses: [
      { type: "work", streetAddress: "100 Universal City Plaza", locality: "Hollywood", region: "CA", postalCode: "91608", country: "USA", primary: true },
    ],
    groups: [{ value: "e9e30dba-f08f-4109-8486-d5c6a331660a", display: "Tour Guides" }],
    [E]: { employeeNumber: "701984", department: "Tour Operations", manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d", displayName: "John Smith" } },
    meta: { resourceType: "User", created: "2024-01-01T00:00:00Z", lastModified: "2024-01-01T00:00:00Z", version: 'W/"1"' },
  };
}

export function body(...ops: unknown[]): unknown {
  return { schemas: [PATCH_OP_SCHEMA], Operations: ops };
}

/** Parses and applies one PatchOp message, as the patch use case does. */
export function patch(resource: ScimResource, ops: unknown[], rs: ResourceSchema = USER): ScimResource {
  return applyPatch(resource, parsePatchRequest(body(...ops), rs), rs);
}

/** Runs `fn` and returns the error it throws, for assertions on scimType and message. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error, but none was thrown");
}

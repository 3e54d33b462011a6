import { applyPatch } from "../src/core/patch/apply-patch.ts";
import { parsePatchRequest } from "../src/core/patch/parse-patch.ts";
import type { ScimResource } from "../src/core/resource/types.ts";
import { USER } from "../src/core/schema/registry.ts";
import { ENTERPRISE_USER_SCHEMA as E, PATCH_OP_SCHEMA, USER_SCHEMA } from "../src/core/schema/urns.ts";

// A full Entra ID user update in default mode: 36 capitalised operations, value paths, string booleans.

const USER_ID = "2819c223-7f76-453a-919d-413861904646";

function fullUser(): ScimResource {
  return {
    schemas: [USER_SCHEMA, E],
    id: USER_ID,
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
    phoneNumbers: [
      { value: "555-555-5555", type: "work" },
      { value: "555-555-4444", type: "mobile" },
    ],
    addresses: [
      { type: "work", streetAddress: "100 Universal City Plaza", locality: "Hollywood", region: "CA", postalCode: "91608", country: "USA", primary: true },
    ],
    [E]: { employeeNumber: "701984", costCenter: "4130", organization: "Universal Studios", division: "Theme Park", department: "Tour Operations", manager: { value: "26118915-6090-4610-87e4-49d8ca9f808d" } },
    meta: { resourceType: "User", created: "2024-01-01T00:00:00Z", lastModified: "2024-01-01T00:00:00Z", version: 'W/"1"' },
  };
}

const replace = (path: string, value: unknown) => ({ op: "Replace", path, value });
const add = (path: string, value: unknown) => ({ op: "Add", path, value });

export const ENTRA_36_OPS = {
  schemas: [PATCH_OP_SCHEMA],
  Operations: [
    replace("displayName", "Barbara Jensen"),
    replace("title", "Head Tour Guide"),
    replace("name.givenName", "Barbara"),
    replace("name.familyName", "Jensen-Smith"),
    replace("name.formatted", "Barbara Jensen-Smith"),
    replace("name.middleName", "Jane"),
    replace("name.honorificPrefix", "Ms."),
    replace("name.honorificSuffix", "III"),
    replace("nickName", "Babs"),
    replace("preferredLanguage", "en-US"),
    replace("locale", "en-US"),
    replace("timezone", "America/Los_Angeles"),
    replace("userType", "Employee"),
    replace("externalId", "bjensen2"),
    replace("active", "False"),
    add('emails[type eq "work"].value', "barbara.jensen@example.com"),
    replace('emails[type eq "home"].value', "babs@jensen.net"),
    replace('phoneNumbers[type eq "work"].value', "555-555-0001"),
    replace('phoneNumbers[type eq "mobile"].value', "555-555-0002"),
    add('phoneNumbers[type eq "fax"].value', "555-555-0003"),
    replace('addresses[type eq "work"].streetAddress', "911 Universal City Plaza"),
    replace('addresses[type eq "work"].locality', "Hollywood"),
    replace('addresses[type eq "work"].region', "CA"),
    replace('addresses[type eq "work"].postalCode', "91608"),
    replace('addresses[type eq "work"].country', "US"),
    replace('addresses[type eq "work"].formatted', "911 Universal City Plaza, Hollywood, CA 91608 US"),
    add('addresses[type eq "home"].locality', "Burbank"),
    replace(`${E}:employeeNumber`, "701985"),
    replace(`${E}:department`, "Guest Experience"),
    replace(`${E}:organization`, "Universal"),
    replace(`${E}:division`, "Parks"),
    replace(`${E}:costCenter`, "4131"),
    replace(`${E}:manager`, "902c246b-6245-4190-8e05-00816be7344a"),
    add("roles", [{ value: "Reader", primary: "True" }]),
    replace("profileUrl", "https://example.com/bjensen"),
    { op: "Remove", path: 'emails[type eq "other"]' },
  ],
};

/** The best of five rounds, in µs per call, so that one GC pause does not decide the figure. */
function timeIt(iterations: number, fn: () => void): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    best = Math.min(best, ((performance.now() - start) * 1000) / iterations);
  }
  return best;
}

/** µs per 36-operation request (parse + apply, parse only, apply only) and per operation. */
export async function runPatchBench(): Promise<Record<string, number>> {
  const user = fullUser();
  const body = ENTRA_36_OPS;
  const opCount = body.Operations.length;
  const both = () => void applyPatch(user, parsePatchRequest(body, USER), USER);
  const ops = parsePatchRequest(body, USER);
  for (let i = 0; i < 3000; i++) both();
  const iterations = 5_000;
  const parseApply = timeIt(iterations, both);
  const parseOnly = timeIt(iterations, () => void parsePatchRequest(body, USER));
  const applyOnly = timeIt(iterations, () => void applyPatch(user, ops, USER));
  return {
    operations: opCount,
    "patch.parse+apply.us_per_request": round(parseApply),
    "patch.parse.us_per_request": round(parseOnly),
    "patch.apply.us_per_request": round(applyOnly),
    "patch.parse+apply.us_per_op": round(parseApply / opCount),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

if (import.meta.main) {
  const results = await runPatchBench();
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(36)} ${v}`);
}

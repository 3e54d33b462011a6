import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { isScimError } from "../../../src/core/errors.ts";
import { applyPatch } from "../../../src/core/patch/apply-patch.ts";
import { parsePatchRequest } from "../../../src/core/patch/parse-patch.ts";
import type { ScimResource } from "../../../src/core/resource/types.ts";
import { GROUP, USER } from "../../../src/core/schema/registry.ts";

// Every RFC 7644 §3.5.2 example and every documented Entra ID PATCH body, replayed from test/fixtures.
interface PatchFixture {
  readonly description: string;
  readonly resourceType: "User" | "Group";
  readonly resource: ScimResource;
  readonly request: unknown;
  readonly expected?: ScimResource;
  readonly error?: { readonly status: number; readonly scimType?: string };
}

const FIXTURES = resolve(import.meta.dir, "../../fixtures");

function load(dir: string, pattern: RegExp): [string, PatchFixture][] {
  return readdirSync(join(FIXTURES, dir))
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, dir, f), "utf8")) as PatchFixture]);
}

function run(fx: PatchFixture): ScimResource {
  const rs = fx.resourceType === "Group" ? GROUP : USER;
  return applyPatch(fx.resource, parsePatchRequest(fx.request, rs), rs);
}

function check(fx: PatchFixture): void {
  const before = structuredClone(fx.resource);
  if (fx.error) {
    let caught: unknown;
    try {
      run(fx);
    } catch (e) {
      caught = e;
    }
    expect(isScimError(caught)).toBe(true);
    if (isScimError(caught)) {
      expect(caught.status).toBe(fx.error.status);
      expect<string | undefined>(caught.scimType).toBe(fx.error.scimType);
    }
  } else {
    expect(run(fx)).toEqual(fx.expected as ScimResource);
  }
  expect(fx.resource).toEqual(before);
}

describe("RFC 7644 §3.5.2 examples", () => {
  const cases = load("rfc", /^rfc7644-3\.5\.2\..*\.json$/);
  test("every sub-section has fixtures", () => {
    for (const s of ["3.5.2.1", "3.5.2.2", "3.5.2.3"]) expect(cases.some(([f]) => f.includes(s))).toBe(true);
  });
  test.each(cases)("%s", (_file, fx) => check(fx));
});

describe("Entra ID PATCH bodies", () => {
  const cases = load("entra", /^patch-.*\.json$/);
  test("both modes are covered", () => {
    expect(cases.some(([f]) => f.includes("aadoptscim062020"))).toBe(true);
    expect(cases.some(([f]) => f.includes("default-mode"))).toBe(true);
  });
  test.each(cases)("%s", (_file, fx) => check(fx));
});

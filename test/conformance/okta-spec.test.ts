// Okta's SCIM 2.0 test suites (Runscope/BlazeMeter exports in shared/conformance) ported to bun:test against the
// in-process app. Each request step is replayed from the export itself (URL, headers, body, with Okta's initial
// script variables) and every Runscope assertion of the step is evaluated; each test adds the checks the step's
// intent implies (RFC 7644 media type, ListResponse shape, error shape) so a regression cannot hide behind Okta's
// loose assertions. Pauses are skipped.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createTestApp, type TestApp } from "../support/app.ts";
import { ROOT } from "../support/binary.ts";

const SHARED = resolve(ROOT, "../shared/conformance");
/** CI has shared/ beside the clone; Okta's exports are read from there, never copied into the repository. */
function readSuite(file: string): RunscopeTest {
  const path = join(SHARED, file);
  if (!existsSync(path)) throw new Error(`Okta's SCIM test export is not at ${path}; clone shared/ beside the repository (README, Development).`);
  return JSON.parse(readFileSync(path, "utf8")) as RunscopeTest;
}
const SPEC = readSuite("Okta-SCIM-20-SPEC-Test.json");
const CRUD = readSuite("Okta-SCIM-20-CRUD-Test.json");
const OKTA_FIXTURES = join(import.meta.dir, "../fixtures/okta");

const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";

interface Assertion {
  comparison: string;
  source: string;
  value: string | number | null;
  property?: string;
}
interface Step {
  step_type: string;
  note?: string;
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  assertions?: Assertion[];
  variables?: { source: string; name: string | null; property: string }[];
}
interface RunscopeTest {
  name: string;
  steps: Step[];
}
interface Sent {
  status: number;
  headers: Headers;
  text: string;
  json: any;
  ms: number;
}

const requestSteps = (t: RunscopeTest) => t.steps.filter((s) => s.step_type === "request");

function fill(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_match, name: string) => {
    if (!(name in vars)) throw new Error(`The Runscope variable ${name} is not defined (in "${template}").`);
    return vars[name]!;
  });
}

/** Runscope's property syntax: a.b[0].c */
function property(json: unknown, path: string): unknown {
  let v: any = json;
  for (const key of path.match(/[^.[\]]+/g) ?? []) {
    if (v === null || v === undefined) return undefined;
    v = v[/^\d+$/.test(key) ? Number(key) : key];
  }
  return v;
}

/** One Runscope assertion; returns a description of the failure or null. */
function check(a: Assertion, res: Sent, vars: Record<string, string>): string | null {
  const expected = a.value === null ? null : fill(String(a.value), vars);
  const actual = a.source === "response_status" ? res.status : a.source === "response_time" ? res.ms : property(res.json, a.property ?? "");
  const where = `${a.source}${a.property ? ` ${a.property}` : ""} ${a.comparison} ${expected ?? ""}`.trim();
  let ok: boolean;
  switch (a.comparison) {
    case "equal_number":
      ok = Number(actual) === Number(expected);
      break;
    case "equal":
      ok = actual !== undefined && actual !== null && String(actual) === expected;
      break;
    case "not_empty":
      ok =
        actual !== undefined &&
        actual !== null &&
        actual !== "" &&
        !(Array.isArray(actual) && actual.length === 0) &&
        !(typeof actual === "object" && !Array.isArray(actual) && Object.keys(actual).length === 0);
      break;
    case "has_value":
      ok = Array.isArray(actual) && actual.some((x) => String(x) === expected);
      break;
    case "contains":
      ok = (typeof actual === "string" || Array.isArray(actual)) && (actual as any).includes(expected);
      break;
    case "is_a_number":
      ok = typeof actual === "number" && Number.isFinite(actual);
      break;
    case "is_less_than":
      ok = Number(actual) < Number(expected);
      break;
    default:
      return `unsupported Runscope comparison ${a.comparison}`;
  }
  return ok ? null : `${where} (actual: ${JSON.stringify(actual)})`;
}

describe("Runscope assertion evaluator", () => {
  const res: Sent = { status: 200, headers: new Headers(), text: "", json: { schemas: ["a"], n: 3, s: "x", Resources: [{ id: "1" }] }, ms: 5 };
  test.each<[Assertion, boolean]>([
    [{ comparison: "equal_number", source: "response_status", value: "200" }, true],
    [{ comparison: "equal_number", source: "response_status", value: "404" }, false],
    [{ comparison: "has_value", source: "response_json", value: "a", property: "schemas" }, true],
    [{ comparison: "has_value", source: "response_json", value: "b", property: "schemas" }, false],
    [{ comparison: "not_empty", source: "response_json", value: null, property: "Resources[0].id" }, true],
    [{ comparison: "not_empty", source: "response_json", value: null, property: "Resources[1].id" }, false],
    [{ comparison: "equal", source: "response_json", value: "3", property: "n" }, true],
    [{ comparison: "equal", source: "response_json", value: "y", property: "s" }, false],
    [{ comparison: "is_a_number", source: "response_json", value: null, property: "s" }, false],
    [{ comparison: "is_less_than", source: "response_time", value: "600" }, true],
  ])("%j passes: %p", (a, passes) => {
    expect(check(a, res, {}) === null).toBe(passes);
  });
});

describe("Okta SCIM 2.0 SPEC Test (Okta-SCIM-20-SPEC-Test.json)", () => {
  const base = "/scim/v2";
  let app: TestApp;
  const vars: Record<string, string> = {};

  /** Replays a step of the export exactly: its method, URL, headers and body, through app.handle. */
  async function run(step: Step): Promise<Sent> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = fill(Array.isArray(v) ? v.join(", ") : v, vars);
    const url = fill(step.url!, vars);
    const body = step.body ? fill(step.body, vars) : undefined;
    const started = performance.now();
    const res = await app.request(step.method!, url, body, { headers, auth: null });
    const text = await res.text();
    const ms = performance.now() - started;
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    const sent: Sent = { status: res.status, headers: res.headers, text, json, ms };
    const failures = (step.assertions ?? []).map((a) => check(a, sent, vars)).filter((f): f is string => f !== null);
    expect(failures, `${step.note}: ${res.status} ${text.slice(0, 300)}`).toEqual([]);
    for (const v of step.variables ?? []) if (v.name) vars[v.name] = String(property(json, v.property));
    return sent;
  }

  const step = (note: string) => {
    const found = requestSteps(SPEC).find((s) => s.note === note);
    if (!found) throw new Error(`No step "${note}" in ${SPEC.name}`);
    return found;
  };

  const expectScimJson = (res: Sent) => expect(res.headers.get("content-type") ?? "").toMatch(/^application\/scim\+json/);

  beforeAll(async () => {
    app = await createTestApp();
    // Okta's initial script (Initial_Script_Spec.txt): random names, the user name built from them.
    const n = Math.floor(100 + Math.random() * 900);
    const given = `Runscope${n}`;
    const family = `${Math.random().toString(36).replace(/[^a-z]/g, "").slice(0, 8)}${Math.floor(Math.random() * 1000)}`;
    Object.assign(vars, {
      SCIMBaseURL: base,
      auth: `Bearer ${app.token}`,
      InvalidUserEmail: "abcdefgh@example.com",
      UserIdThatDoesNotExist: "010101001010101011001010101011",
      randomGivenName: given,
      randomFamilyName: family,
      randomUsername: `${given}${family}@example.com`,
      randomUsernameCaps: `${given}${family}`.toUpperCase() + "@example.com",
      randomEmail: `${given}${family}@example.com`,
    });
    // Okta's instructions: "Create at least one user in your SCIM server before running the Okta SCIM API test suite."
    const seeded = await app.json("POST", `${base}/Users`, {
      schemas: [USER],
      userName: "seed.user@example.com",
      name: { givenName: "Seed", familyName: "User" },
      emails: [{ primary: true, type: "work", value: "seed.user@example.com" }],
      active: true,
    });
    if (seeded.status !== 201) throw new Error(`seeding failed: ${seeded.status} ${JSON.stringify(seeded.body)}`);
  });

  afterAll(() => app?.close());

  test("the port covers every request step of the export", () => {
    expect(requestSteps(SPEC).map((s) => s.note)).toEqual([
      "Required Test: Test Users endpoint",
      "Required Test: Get Users/{{id}} ",
      "Required Test: Test invalid User by username",
      "Required Test: Test invalid User by ID",
      "Required Test: Make sure random user doesn't exist",
      "Required Test: Create Okta user with realistic values",
      "Required Test: Verify that user was created",
      "Required Test: Expect failure when recreating user with same values",
      "Required Test: Username Case Sensitivity Check",
      "Optional Test: Verify Groups endpoint",
      "Required Test: Check status 401",
      "Required Test: Check status 404",
    ]);
  });

  test("Required Test: Test Users endpoint", async () => {
    const res = await run(step("Required Test: Test Users endpoint"));
    expectScimJson(res);
    // count=1&startIndex=1: one resource, and the paging members say so (RFC 7644 §3.4.2.4).
    expect(res.json.schemas).toEqual([LIST_RESPONSE]);
    expect(res.json.Resources).toHaveLength(1);
    expect(res.json.itemsPerPage).toBe(1);
    expect(res.json.startIndex).toBe(1);
    expect(res.json.totalResults).toBeGreaterThanOrEqual(1);
  });

  test("Required Test: Get Users/{{id}} ", async () => {
    const res = await run(step("Required Test: Get Users/{{id}} "));
    expectScimJson(res);
    expect(res.json.schemas).toContain(USER);
    expect(res.json.id).toBe(vars.ISVUserid);
    expect(res.json.meta.resourceType).toBe("User");
  });

  test("Required Test: Test invalid User by username", async () => {
    const res = await run(step("Required Test: Test invalid User by username"));
    expectScimJson(res);
    expect(res.json.totalResults).toBe(0);
    expect(res.json.Resources ?? []).toEqual([]);
  });

  test("Required Test: Test invalid User by ID", async () => {
    const res = await run(step("Required Test: Test invalid User by ID"));
    expectScimJson(res);
    expect(res.json.status).toBe("404"); // RFC 7644 §3.12: status is a string
  });

  test("Required Test: Make sure random user doesn't exist", async () => {
    const res = await run(step("Required Test: Make sure random user doesn't exist"));
    expect(res.json.Resources ?? []).toEqual([]);
  });

  test("Required Test: Create Okta user with realistic values", async () => {
    const res = await run(step("Required Test: Create Okta user with realistic values"));
    expectScimJson(res);
    expect(res.json.active).toBe(true);
    expect(res.json.emails).toEqual([expect.objectContaining({ value: vars.randomEmail, type: "work", primary: true })]);
    expect(res.json.displayName).toBe(`${vars.randomGivenName} ${vars.randomFamilyName}`);
    // RFC 7644 §3.3: the Location header is the new resource's URI, as in meta.location.
    expect(res.headers.get("location")).toBe(res.json.meta.location);
    expect(res.json.meta.location).toEndWith(`/Users/${res.json.id}`);
  });

  test("Required Test: Verify that user was created", async () => {
    const res = await run(step("Required Test: Verify that user was created"));
    expect(res.json.id).toBe(vars.idUserOne);
    expect(res.json.emails[0].value).toBe(vars.randomUserEmail);
  });

  test("Required Test: Expect failure when recreating user with same values", async () => {
    const res = await run(step("Required Test: Expect failure when recreating user with same values"));
    expectScimJson(res);
    // RFC 7644 §3.3: 409 with scimType "uniqueness".
    expect(res.json.schemas).toEqual([ERROR]);
    expect(res.json.scimType).toBe("uniqueness");
    expect(res.json.status).toBe("409");
    const list = await app.json("GET", `${base}/Users?filter=${encodeURIComponent(`userName eq "${vars.randomUsername}"`)}`);
    expect(list.body.totalResults).toBe(1);
  });

  test("Required Test: Username Case Sensitivity Check", async () => {
    const res = await run(step("Required Test: Username Case Sensitivity Check"));
    // Okta asserts only the 200; the check exists because userName is caseExact false (RFC 7643 §4.1.1), so the
    // upper-case lookup must find the user Okta just created.
    expect(res.json.totalResults).toBe(1);
    expect(res.json.Resources[0].id).toBe(vars.idUserOne);
    expect(res.json.Resources[0].userName).toBe(vars.randomUsername);
  });

  test("Optional Test: Verify Groups endpoint", async () => {
    const res = await run(step("Optional Test: Verify Groups endpoint"));
    expectScimJson(res);
    // The step's script: no groups is fine; otherwise Resources must be an array.
    expect(res.json.schemas).toEqual([LIST_RESPONSE]);
    expect(typeof res.json.totalResults).toBe("number");
    if (res.json.totalResults > 0) expect(Array.isArray(res.json.Resources)).toBe(true);
  });

  test("Required Test: Check status 401", async () => {
    const res = await run(step("Required Test: Check status 401"));
    expectScimJson(res);
    expect(res.json.status).toBe("401");
    expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer/); // RFC 6750 §3
  });

  test("Required Test: Check status 404", async () => {
    const res = await run(step("Required Test: Check status 404"));
    expectScimJson(res);
    expect(res.json.schemas).toEqual([ERROR]);
  });

  // Not a step of the export, but what its first step probes: Okta imports users page by page with
  // startIndex/count (RFC 7644 §3.4.2.4), so paging must visit every user exactly once.
  test("Paging with count and startIndex (Okta import)", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await app.json("POST", `${base}/Users`, { schemas: [USER], userName: `page.user.${i}.${vars.randomFamilyName}@example.com`, active: true });
      expect(r.status).toBe(201);
    }
    const all = await app.json("GET", `${base}/Users?startIndex=1&count=100`);
    const total = all.body.totalResults;
    expect(total).toBeGreaterThanOrEqual(5);
    expect(all.body.Resources).toHaveLength(total);
    const seen: string[] = [];
    for (let start = 1; start <= total; start += 2) {
      const page = await app.json("GET", `${base}/Users?count=2&startIndex=${start}`);
      expect(page.status).toBe(200);
      expect(page.body.totalResults).toBe(total);
      expect(page.body.startIndex).toBe(start);
      expect(page.body.itemsPerPage).toBe(Math.min(2, total - start + 1));
      expect(page.body.Resources).toHaveLength(page.body.itemsPerPage);
      seen.push(...page.body.Resources.map((r: any) => r.id));
    }
    expect(seen.toSorted()).toEqual(all.body.Resources.map((r: any) => r.id).toSorted());
    // Past the end: an empty page, still 200 (RFC 7644 §3.4.2.4).
    const past = await app.json("GET", `${base}/Users?count=2&startIndex=${total + 1}`);
    expect(past.status).toBe(200);
    expect(past.body.totalResults).toBe(total);
    expect(past.body.Resources ?? []).toEqual([]);
  });
});

// The CRUD export drives an Okta org (Okta API calls) and checks the SCIM server after each one. Without an org,
// each Okta-side step is replaced by the SCIM request Okta sends for it (fixtures in test/fixtures/okta/), and the
// export's SCIM-side verification steps are replayed as they are.
describe("Okta SCIM 2.0 CRUD Test (Okta-SCIM-20-CRUD-Test.json), SCIM side", () => {
  const base = "/scim/v2";
  let app: TestApp;
  const vars: Record<string, string> = {};
  /** An Okta request body from test/fixtures/okta, its {{placeholders}} filled from `values`. */
  const fixture = (name: string, values: Record<string, string> = {}) =>
    JSON.parse(fill(JSON.stringify(JSON.parse(readFileSync(join(OKTA_FIXTURES, name), "utf8")).request), values));
  const scimSteps = requestSteps(CRUD).filter((s) => s.url!.startsWith("{{SCIMUrl}}"));

  async function verify(index: number): Promise<Sent> {
    const step = scimSteps[index]!;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = fill(Array.isArray(v) ? v.join(", ") : v, vars);
    const res = await app.request(step.method!, fill(step.url!, vars), undefined, { headers, auth: null });
    const text = await res.text();
    const sent: Sent = { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null, ms: 0 };
    const failures = (step.assertions ?? []).map((a) => check(a, sent, vars)).filter((f): f is string => f !== null);
    expect(failures, `${step.note}: ${res.status} ${text.slice(0, 300)}`).toEqual([]);
    for (const v of step.variables ?? []) if (v.name) vars[v.name] = String(property(sent.json, v.property));
    return sent;
  }

  beforeAll(async () => {
    app = await createTestApp();
    const suffix = crypto.randomUUID().slice(0, 8);
    Object.assign(vars, {
      SCIMUrl: base,
      SCIMAuth: `Bearer ${app.token}`,
      okta_user_firstname: "Crud",
      okta_user_lastname: `Tester${suffix}`,
      okta_user_firstname_update: "Crudupdated",
      okta_user_email: `crud.tester.${suffix}@example.com`,
    });
  });

  afterAll(() => app?.close());

  test("the port covers every SCIM-side step of the export", () => {
    expect(scimSteps.map((s) => s.note?.trim())).toEqual([
      "Verify if user is created in SCIM App",
      "Verify firstname update in SCIM App",
      "Verify if user is deactivated in SCIM App",
      "Verify if user is reactivated in SCIM App",
      "Verify if user is deactivated in SCIM App",
    ]);
  });

  test("Add new random user to Okta + Assign user to SCIM App: Okta looks the user up, then POSTs it", async () => {
    const filter = encodeURIComponent(`userName eq "${vars.okta_user_email}"`);
    const lookup = await app.json("GET", `${base}/Users?filter=${filter}&startIndex=1&count=100`);
    expect(lookup.status).toBe(200);
    expect(lookup.body.totalResults).toBe(0);
    vars.externalId = "00u" + crypto.randomUUID().replaceAll("-", "").slice(0, 17);
    const body = fixture("okta-create-user.json", {
      userName: vars.okta_user_email,
      givenName: vars.okta_user_firstname,
      familyName: vars.okta_user_lastname,
      externalId: vars.externalId,
      password: "Kv7J2LEa",
    });
    const created = await app.json("POST", `${base}/Users`, body, { headers: { "content-type": "application/scim+json; charset=utf-8" } });
    expect(created.status).toBe(201);
    expect(created.body.active).toBe(true);
    // RFC 7643 §4.1.1: password is writeOnly and never returned.
    expect(created.body.password).toBeUndefined();
    expect(created.body.externalId).toBe(body.externalId);
  });

  test("Verify if user is created in SCIM App", async () => {
    const res = await verify(0);
    expect(res.json.totalResults).toBe(1);
    expect(vars.scim_id).toBe(res.json.Resources[0].id);
  });

  test("Update user firstname: Okta PUTs the whole user", async () => {
    const body = fixture("okta-replace-user.json", {
      id: vars.scim_id,
      userName: vars.okta_user_email,
      givenName: vars.okta_user_firstname_update,
      familyName: vars.okta_user_lastname,
      externalId: vars.externalId,
    });
    const res = await app.json("PUT", `${base}/Users/${vars.scim_id}`, body);
    expect(res.status).toBe(200);
    expect(res.body.name.givenName).toBe(vars.okta_user_firstname_update);
    expect(res.body.displayName).toBe(`${vars.okta_user_firstname_update} ${vars.okta_user_lastname}`);
    expect(res.body.externalId).toBe(vars.externalId);
    expect(res.body.active).toBe(true);
  });

  test("Verify firstname update in SCIM App", async () => {
    const res = await verify(1);
    expect(res.json.userName).toBe(vars.okta_user_email);
    expect(res.json.emails[0].value).toBe(vars.okta_user_email);
  });

  test("Deactivate user in Okta: Okta PATCHes active false", async () => {
    const res = await app.json("PATCH", `${base}/Users/${vars.scim_id}`, fixture("okta-deactivate-user.json"));
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
  });

  test("Verify if user is deactivated in SCIM App", async () => {
    const res = await verify(2);
    expect(res.json.active).toBe(false);
    expect(res.json.name.givenName).toBe(vars.okta_user_firstname_update);
  });

  test("Reactivate user in okta + Assign user to SCIM App: Okta PATCHes active true", async () => {
    const res = await app.json("PATCH", `${base}/Users/${vars.scim_id}`, fixture("okta-reactivate-user.json"));
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(true);
  });

  test("Verify if user is reactivated in SCIM App", async () => {
    const res = await verify(3);
    expect(res.json.active).toBe(true);
  });

  test("Removes an assignment for a user in Okta: Okta PATCHes active false (it never DELETEs)", async () => {
    const res = await app.json("PATCH", `${base}/Users/${vars.scim_id}`, fixture("okta-deactivate-user.json"));
    expect(res.status).toBe(200);
  });

  test("Verify if user is deactivated in SCIM App (after unassignment)", async () => {
    const res = await verify(4);
    expect(res.json.active).toBe(false);
    // A deactivated user still answers the lookup Okta makes before a re-assignment.
    const filter = encodeURIComponent(`userName eq "${vars.okta_user_email}"`);
    const lookup = await app.json("GET", `${base}/Users?filter=${filter}`);
    expect(lookup.body.totalResults).toBe(1);
    expect(lookup.body.Resources[0].active).toBe(false);
  });

  test("Delete through SCIM (not sent by Okta): 204, then 404", async () => {
    const del = await app.request("DELETE", `${base}/Users/${vars.scim_id}`);
    expect(del.status).toBe(204);
    const get = await app.json("GET", `${base}/Users/${vars.scim_id}`);
    expect(get.status).toBe(404);
    expect(get.body.schemas).toEqual([ERROR]);
  });
});

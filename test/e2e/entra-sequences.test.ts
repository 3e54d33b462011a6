// Microsoft Entra ID's documented request sequences, replayed end to end against the compiled binary over HTTP.
// The requests live in test/fixtures/entra/seq-*.json (one sequence per file, {{placeholders}} filled here); each
// step asserts the status and then reads the resource back and compares what Entra compares.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, type RunningServer } from "../support/binary.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/entra");
const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

interface FixtureRequest {
  method: string;
  path: string;
  body?: unknown;
}
interface Sequence {
  source: string;
  mode: "default" | "aadOptscim062020";
  description: string;
  requests: Record<string, FixtureRequest>;
}
interface Reply {
  status: number;
  body: any;
  headers: Headers;
}
type Vars = Record<string, string>;

const sequence = (file: string): Sequence => JSON.parse(readFileSync(join(FIXTURES, file), "utf8"));

function fillString(s: string, vars: Vars): string {
  return s.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`fixture placeholder {{${name}}} has no value`);
    return vars[name]!;
  });
}

function fill(value: unknown, vars: Vars): unknown {
  if (typeof value === "string") return fillString(value, vars);
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [fillString(k, vars), fill(v, vars)]));
  return value;
}

/** Encodes each query parameter value as Entra does; a bare flag (?aadOptscim062020) stays bare. */
function encodePath(path: string): string {
  const [p, q] = path.split(/\?(.*)/s, 2) as [string, string | undefined];
  if (!q) return p;
  const parts = q.split("&").map((kv) => {
    const i = kv.indexOf("=");
    return i < 0 ? kv : `${kv.slice(0, i)}=${encodeURIComponent(kv.slice(i + 1))}`;
  });
  return `${p}?${parts.join("&")}`;
}

const uid = () => crypto.randomUUID();
const sortedValues = (members: { value: string }[] | undefined) => (members ?? []).map((m) => m.value).toSorted();

let server: RunningServer;

async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(server.baseUrl + encodePath(path), {
    method,
    headers: {
      authorization: `Bearer ${server.token}`,
      accept: "application/scim+json",
      ...(body === undefined ? {} : { "content-type": "application/scim+json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const send = (req: FixtureRequest | undefined, vars: Vars) => {
  if (!req) throw new Error("no such request in the fixture");
  return call(req.method, fillString(req.path, vars), req.body === undefined ? undefined : fill(req.body, vars));
};

/** Sends a fixture's GET and returns the resource, which must be there (200). */
async function getOk(req: FixtureRequest | undefined, vars: Vars) {
  const r = await send(req, vars);
  expect(r.status).toBe(200);
  return r.body;
}

/** RFC 7644 §3.5.2: a successful PATCH is 200 with the resource or 204; Entra accepts both. */
function expectPatched(r: Reply, id: string) {
  expect([200, 204]).toContain(r.status);
  if (r.status === 200) expect(r.body.id).toBe(id);
}

function expectNotFound(r: Reply) {
  expect(r.status).toBe(404);
  expect(r.body.schemas).toEqual([ERROR]);
  expect(r.body.status).toBe("404");
}

function expectEmptyList(r: Reply) {
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type") ?? "").toMatch(/^application\/scim\+json/);
  expect(r.body.schemas).toEqual([LIST_RESPONSE]);
  expect(r.body.totalResults).toBe(0);
  expect(r.body.Resources).toEqual([]);
  expect(r.body.startIndex).toBe(1);
}

async function createUser(userName: string): Promise<string> {
  const r = await call("POST", "/Users", { schemas: [USER], userName, active: true, emails: [{ type: "work", primary: true, value: userName }] });
  if (r.status !== 201) throw new Error(`creating ${userName}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.id;
}

beforeAll(async () => {
  server = await startServer();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  server?.cleanup();
});

describe("Test Connection (seq-test-connection.json)", () => {
  const seq = sequence("seq-test-connection.json");

  test("filter on a random GUID userName: 200 and an empty ListResponse, never 404", async () => {
    expectEmptyList(await send(seq.requests.testConnection, { guid: uid() }));
  });

  test("the same with ?aadOptscim062020 on the tenant URL: the unknown parameter is ignored", async () => {
    const req = seq.requests.testConnection!;
    expectEmptyList(await call("GET", fillString(req.path.replace("/Users?", "/Users?aadOptscim062020&"), { guid: uid() })));
  });

  test("the same under the /scim/v2 tenant URL", async () => {
    const path = encodePath(fillString(seq.requests.testConnection!.path, { guid: uid() }));
    const res = await fetch(`${server.url}/scim/v2${path}`, { headers: { authorization: `Bearer ${server.token}` } });
    expectEmptyList({ status: res.status, body: await res.json(), headers: res.headers });
  });
});

describe("User lifecycle, default PATCH mode (seq-user-lifecycle.json)", () => {
  const seq = sequence("seq-user-lifecycle.json");
  const vars: Vars = {};
  let created: any;
  const get = () => getOk(seq.requests.getById, vars);

  beforeAll(async () => {
    const n = uid();
    Object.assign(vars, { userName: `Test_User_${n}`, email: `Test_User_${uid()}@testuser.com`, externalId: uid() });
    vars.managerId = await createUser(`manager1_${n}@contoso.com`);
    vars.manager2Id = await createUser(`manager2_${n}@contoso.com`);
  });

  test("lookup by userName before creating finds nobody", async () => {
    expectEmptyList(await send(seq.requests.lookup, vars));
  });

  test("create: 201 with Location, the resource as sent", async () => {
    const r = await send(seq.requests.create, vars);
    expect(r.status).toBe(201);
    created = r.body;
    vars.id = created.id;
    expect(created.id).toBeString();
    expect(created.schemas).toContain(USER);
    expect(r.headers.get("location")).toBe(created.meta.location);
    expect(created.meta.location).toEndWith(`/Users/${created.id}`);
    expect(created.meta.resourceType).toBe("User");
    expect(r.headers.get("etag")).toBe(created.meta.version);
    expect(created).toMatchObject({
      userName: vars.userName,
      externalId: vars.externalId,
      active: true,
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      emails: [{ value: vars.email, type: "work", primary: true }],
    });
    expect(created.password).toBeUndefined();
  });

  test("get by id returns what create returned", async () => {
    expect(await get()).toEqual(created);
  });

  test("get by query (filter userName eq) finds the user", async () => {
    const r = await send(seq.requests.getByQuery, vars);
    expect(r.status).toBe(200);
    expect(r.body.totalResults).toBe(1);
    expect(r.body.Resources).toHaveLength(1);
    expect(r.body.Resources[0]).toMatchObject({ id: vars.id, userName: vars.userName });
  });

  test("update multi-valued: Replace emails[type eq \"work\"].value and name.familyName", async () => {
    const r = await send(seq.requests.updateMultiValued, vars);
    expect(r.status).toBe(200);
    const user = await get();
    expect(r.body).toEqual(user);
    expect(user.emails).toEqual([{ value: "updatedEmail@contoso.com", type: "work", primary: true }]);
    expect(user.name).toMatchObject({ familyName: "updatedFamilyName", givenName: "givenName" });
    expect(user.userName).toBe(vars.userName);
    expect(user.meta.created).toBe(created.meta.created);
    expect(user.meta.version).not.toBe(created.meta.version);
  });

  test("update single-valued and enterprise attributes (Replace and Add with paths)", async () => {
    expectPatched(await send(seq.requests.updateSingleValued, vars), vars.id!);
    const user = await get();
    expect(user.displayName).toBe("givenName updatedFamilyName");
    expect(user.title).toBe("Engineer");
    expect(user.phoneNumbers).toEqual([expect.objectContaining({ type: "mobile", value: "+1 425 555 0100" })]);
    expect(user[ENTERPRISE]).toMatchObject({ department: "Engineering", employeeNumber: "1234" });
    expect(user.schemas).toContain(ENTERPRISE);
  });

  test("manager add as a plain id string", async () => {
    expectPatched(await send(seq.requests.addManager, vars), vars.id!);
    expect((await get())[ENTERPRISE].manager).toMatchObject({ value: vars.managerId });
  });

  test("manager replace as {\"value\": id}", async () => {
    expectPatched(await send(seq.requests.replaceManager, vars), vars.id!);
    expect((await get())[ENTERPRISE].manager).toMatchObject({ value: vars.manager2Id });
  });

  test("manager remove", async () => {
    expectPatched(await send(seq.requests.removeManager, vars), vars.id!);
    const user = await get();
    expect(user[ENTERPRISE].manager).toBeUndefined();
    expect(user[ENTERPRISE].department).toBe("Engineering");
  });

  test("disable with the string \"False\", enable with \"True\": active is a JSON boolean", async () => {
    expectPatched(await send(seq.requests.disable, vars), vars.id!);
    expect((await get()).active).toBe(false);
    expectPatched(await send(seq.requests.enable, vars), vars.id!);
    expect((await get()).active).toBe(true);
  });

  test("hard delete: 204, then GET 404, a second DELETE 404, and the lookup finds nobody", async () => {
    const del = await send(seq.requests.delete, vars);
    expect(del.status).toBe(204);
    expect(del.body).toBeNull();
    expectNotFound(await send(seq.requests.getDeleted, vars));
    expectNotFound(await send(seq.requests.delete, vars));
    expectEmptyList(await send(seq.requests.lookup, vars));
    // delete = "deactivate" (default): the directory record stays, inactive and marked deleted.
    const shown = server.cli(["users", "show", vars.userName!, "--json"]);
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ username: vars.userName, active: false, deleted: true });
  });
});

describe("User lifecycle with ?aadOptscim062020 (seq-user-lifecycle-aadoptscim062020.json)", () => {
  const seq = sequence("seq-user-lifecycle-aadoptscim062020.json");
  const vars: Vars = {};
  const get = () => getOk(seq.requests.getById, vars);

  beforeAll(async () => {
    const n = uid();
    Object.assign(vars, { userName: `Test_User_${n}`, email: `Test_User_${uid()}@testuser.com`, externalId: uid() });
    vars.managerId = await createUser(`opt_manager1_${n}@contoso.com`);
    vars.manager2Id = await createUser(`opt_manager2_${n}@contoso.com`);
  });

  test("lookup and create with the flag on the URL", async () => {
    expectEmptyList(await send(seq.requests.lookup, vars));
    const r = await send(seq.requests.create, vars);
    expect(r.status).toBe(201);
    vars.id = r.body.id;
    expect(r.headers.get("location")).toBe(r.body.meta.location);
    // The flag is a client quirk, not part of the resource's address.
    expect(r.body.meta.location).not.toContain("aadOptscim062020");
    expect((await get()).userName).toBe(vars.userName);
  });

  test("path-less replace whose value keys are attribute paths", async () => {
    const r = await send(seq.requests.updatePathless, vars);
    expect(r.status).toBe(200);
    const user = await get();
    expect(r.body).toEqual(user);
    expect(user).toMatchObject({
      displayName: "Robert Dylan",
      name: { givenName: "Robert", familyName: "Dylan", formatted: "givenName familyName" },
      emails: [{ value: "robert.dylan@contoso.com", type: "work", primary: true }],
      [ENTERPRISE]: { employeeNumber: "701984", department: "Sales" },
    });
    expect(user.emails).toHaveLength(1);
  });

  test("path-less add", async () => {
    expectPatched(await send(seq.requests.addNickName, vars), vars.id!);
    expect((await get()).nickName).toBe("Bobby");
  });

  test("manager set through a path-less replace (URN-qualified key, id string)", async () => {
    expectPatched(await send(seq.requests.managerPathless, vars), vars.id!);
    expect((await get())[ENTERPRISE].manager).toMatchObject({ value: vars.managerId });
  });

  test("manager replace as {\"value\": id}, then remove", async () => {
    expectPatched(await send(seq.requests.replaceManager, vars), vars.id!);
    expect((await get())[ENTERPRISE].manager).toMatchObject({ value: vars.manager2Id });
    expectPatched(await send(seq.requests.removeManager, vars), vars.id!);
    const user = await get();
    expect(user[ENTERPRISE].manager).toBeUndefined();
    expect(user[ENTERPRISE].employeeNumber).toBe("701984");
  });

  test("disable with a JSON boolean false", async () => {
    expectPatched(await send(seq.requests.disable, vars), vars.id!);
    expect((await get()).active).toBe(false);
  });

  test("hard delete: 204, then GET 404 and a second DELETE 404", async () => {
    expect((await send(seq.requests.delete, vars)).status).toBe(204);
    expectNotFound(await send(seq.requests.getDeleted, vars));
    expectNotFound(await send(seq.requests.deleteAgain, vars));
  });
});

describe("SCIM Validator user scenarios (seq-validator-user.json)", () => {
  const seq = sequence("seq-validator-user.json");
  const vars: Vars = {};
  const get = () => getOk(seq.requests.getById, vars);

  beforeAll(() => {
    const n = uid();
    Object.assign(vars, {
      userName: `Validator_${n}@contoso.com`,
      userNameUpper: `Validator_${n}@contoso.com`.toUpperCase(),
      newUserName: `Renamed_${n}@contoso.com`,
      email: `validator_${n}@contoso.com`,
      externalId: uid(),
      externalId2: uid(),
      guid: uid(),
    });
  });

  test("Create a new User", async () => {
    const r = await send(seq.requests.create, vars);
    expect(r.status).toBe(201);
    vars.id = r.body.id;
  });

  test("Create a duplicate User: 409 uniqueness", async () => {
    const r = await send(seq.requests.create, vars);
    expect(r.status).toBe(409);
    expect(r.body.schemas).toEqual([ERROR]);
    expect(r.body.scimType).toBe("uniqueness");
    expect(r.body.status).toBe("409");
    expect(typeof r.body.detail).toBe("string");
  });

  test("Get User by id: every attribute sent comes back", async () => {
    const user = await get();
    expect(user).toMatchObject({
      id: vars.id,
      userName: vars.userName,
      displayName: "Validator User",
      title: "Tester",
      preferredLanguage: "en-US",
      addresses: [{ type: "work", streetAddress: "1 Main St", locality: "Redmond", region: "WA", postalCode: "98052", country: "US", primary: true }],
      [ENTERPRISE]: { employeeNumber: "1001", department: "Quality", costCenter: "CC1", organization: "Contoso", division: "Cloud" },
    });
    expect(sortedValues(user.phoneNumbers)).toEqual(["+1 425 555 0101", "+1 425 555 0102"]);
  });

  test("Filter for an existing user", async () => {
    const r = await send(seq.requests.filterExisting, vars);
    expect(r.status).toBe(200);
    expect(r.body.totalResults).toBe(1);
    expect(r.body.Resources[0].id).toBe(vars.id);
  });

  test("Filter for an existing user with different case", async () => {
    const r = await send(seq.requests.filterDifferentCase, vars);
    expect(r.status).toBe(200);
    expect(r.body.totalResults).toBe(1);
    expect(r.body.Resources[0]).toMatchObject({ id: vars.id, userName: vars.userName });
  });

  test("Filter for a non-existing user", async () => {
    expectEmptyList(await send(seq.requests.filterNonExisting, vars));
  });

  test("Patch User: replace every attribute, one operation each (verbose)", async () => {
    const r = await send(seq.requests.patchReplaceVerbose, vars);
    expect(r.status).toBe(200);
    const user = await get();
    expect(r.body).toEqual(user);
    expect(user).toMatchObject({
      displayName: "Validator User Updated",
      title: "Senior Tester",
      preferredLanguage: "fr-FR",
      externalId: vars.externalId2,
      name: { givenName: "Val", familyName: "Idator", formatted: "Val Idator" },
      emails: [{ type: "work", value: "val.idator@contoso.com", primary: true }],
      addresses: [{ type: "work", streetAddress: "2 High St", locality: "Seattle", region: "WA", postalCode: "98101", country: "US", primary: true }],
      [ENTERPRISE]: { employeeNumber: "1002", department: "Assurance", costCenter: "CC2", organization: "Fabrikam", division: "Edge" },
    });
    expect(user.emails).toHaveLength(1);
    expect(user.addresses).toHaveLength(1);
    const phones = Object.fromEntries(user.phoneNumbers.map((p: any) => [p.type, p.value]));
    expect(phones).toEqual({ work: "+1 206 555 0103", mobile: "+1 206 555 0104" });
  });

  test("Patch User: update userName (username_changes = \"ignore\": the directory record keeps its username)", async () => {
    const r = await send(seq.requests.patchUserName, vars);
    expect(r.status).toBe(200);
    expect(r.body.userName).toBe(vars.newUserName);
    expect((await get()).userName).toBe(vars.newUserName);
    const byNew = await call("GET", `/Users?filter=userName eq "${vars.newUserName}"`);
    expect(byNew.body.totalResults).toBe(1);
    expect(byNew.body.Resources[0].id).toBe(vars.id);
    const shown = server.cli(["users", "show", vars.userName!, "--json"]);
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ username: vars.userName, scimId: vars.id });
    // By the new SCIM userName too: the same record, which keeps its username.
    const byNewName = server.cli(["users", "show", vars.newUserName!, "--json"]);
    expect(byNewName.status).toBe(0);
    expect(JSON.parse(byNewName.stdout)).toMatchObject({ username: vars.userName, scimId: vars.id });
    // The ignored change is logged as a warning naming the kept username (log lines reach stdout within 20 ms).
    const warned = () => server.stdout.concat(server.stderr).some((l) => l.includes('"level":"warn"') && l.includes(vars.userName!) && l.includes(vars.newUserName!));
    for (let i = 0; i < 100 && !warned(); i++) await Bun.sleep(20);
    expect(warned()).toBe(true);
  });

  test("Patch User: disable", async () => {
    expectPatched(await send(seq.requests.disable, vars), vars.id!);
    expect((await get()).active).toBe(false);
  });

  test("Delete a User, then delete it again: 204 then 404", async () => {
    expect((await send(seq.requests.delete, vars)).status).toBe(204);
    expectNotFound(await send(seq.requests.getDeleted, vars));
    expectNotFound(await send(seq.requests.deleteAgain, vars));
  });
});

describe("Group lifecycle as Entra documents it (seq-group-lifecycle.json)", () => {
  const seq = sequence("seq-group-lifecycle.json");
  const vars: Vars = {};
  const get = () => getOk(seq.requests.get, vars);

  beforeAll(async () => {
    const n = uid();
    Object.assign(vars, { displayName: `Group_${n}`, newDisplayName: `${uid()}updatedDisplayName`, externalId: uid() });
    vars.member1 = await createUser(`member1_${n}@contoso.com`);
    vars.member2 = await createUser(`member2_${n}@contoso.com`);
  });

  test("lookup by displayName finds nothing, create (with Entra's ADSCIM schema URN) is 201 with no members", async () => {
    expectEmptyList(await send(seq.requests.lookup, vars));
    const r = await send(seq.requests.create, vars);
    expect(r.status).toBe(201);
    vars.groupId = r.body.id;
    expect(r.body.schemas).toContain(GROUP);
    expect(r.body).toMatchObject({ displayName: vars.displayName, externalId: vars.externalId, meta: { resourceType: "Group" } });
    expect(r.body.members ?? []).toEqual([]);
    expect(r.headers.get("location")).toBe(r.body.meta.location);
    expect(r.body.meta.location).toEndWith(`/Groups/${vars.groupId}`);
  });

  test("get by id with excludedAttributes=members, and lookup by displayName", async () => {
    const r = await send(seq.requests.getExcludingMembers, vars);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: vars.groupId, displayName: vars.displayName });
    expect("members" in r.body).toBe(false);
    const list = await send(seq.requests.lookup, vars);
    expect(list.body.totalResults).toBe(1);
    expect(list.body.Resources[0].id).toBe(vars.groupId);
    expect("members" in list.body.Resources[0]).toBe(false);
  });

  test("update non-member attributes: Replace displayName", async () => {
    expectPatched(await send(seq.requests.rename, vars), vars.groupId!);
    expect((await get()).displayName).toBe(vars.newDisplayName);
  });

  test("add members ({\"$ref\": null, \"value\": id})", async () => {
    expectPatched(await send(seq.requests.addMembers, vars), vars.groupId!);
    expect(sortedValues((await get()).members)).toEqual([vars.member1!, vars.member2!].toSorted());
  });

  test("remove members by path \"members\" and a value array: only those go", async () => {
    expectPatched(await send(seq.requests.removeMembers, vars), vars.groupId!);
    expect(sortedValues((await get()).members)).toEqual([vars.member2!]);
  });

  test("remove a member with aadOptscim062020: members[value eq \"id\"]", async () => {
    expectPatched(await send(seq.requests.removeMemberFilterAadOpt, vars), vars.groupId!);
    expect((await get()).members ?? []).toEqual([]);
  });

  test("delete: 204, then 404", async () => {
    expect((await send(seq.requests.delete, vars)).status).toBe(204);
    expectNotFound(await send(seq.requests.get, vars));
  });
});

describe("SCIM Validator group scenarios (seq-validator-group.json)", () => {
  const seq = sequence("seq-validator-group.json");
  const vars: Vars = {};
  const get = () => getOk(seq.requests.get, vars);

  beforeAll(async () => {
    const n = uid();
    Object.assign(vars, {
      displayName: `ValidatorGroup_${n}`,
      displayNameUpper: `ValidatorGroup_${n}`.toUpperCase(),
      displayName2: `ValidatorGroup2_${n}`,
      displayName3: `ValidatorGroup3_${n}`,
      externalId: uid(),
      externalId2: uid(),
      guid: uid(),
    });
    vars.member1 = await createUser(`vmember1_${n}@contoso.com`);
    vars.member2 = await createUser(`vmember2_${n}@contoso.com`);
  });

  test("Create a new Group", async () => {
    const r = await send(seq.requests.create, vars);
    expect(r.status).toBe(201);
    vars.groupId = r.body.id;
    expect(r.body).toMatchObject({ displayName: vars.displayName, externalId: vars.externalId });
  });

  test("Create a duplicate Group: 409 uniqueness", async () => {
    const r = await send(seq.requests.create, vars);
    expect(r.status).toBe(409);
    expect(r.body.schemas).toEqual([ERROR]);
    expect(r.body.scimType).toBe("uniqueness");
  });

  test("Get Group by id excluding members", async () => {
    const r = await send(seq.requests.getExcludingMembers, vars);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: vars.groupId, displayName: vars.displayName, externalId: vars.externalId });
    expect("members" in r.body).toBe(false);
  });

  test("Filter for an existing group", async () => {
    const r = await send(seq.requests.filterExisting, vars);
    expect(r.status).toBe(200);
    expect(r.body.totalResults).toBe(1);
    expect(r.body.Resources[0].id).toBe(vars.groupId);
    expect("members" in r.body.Resources[0]).toBe(false);
  });

  test("Filter for a non-existing group", async () => {
    expectEmptyList(await send(seq.requests.filterNonExisting, vars));
  });

  test("Filter for an existing group with different case (displayName is caseExact false)", async () => {
    const r = await send(seq.requests.filterDifferentCase, vars);
    expect(r.status).toBe(200);
    expect(r.body.totalResults).toBe(1);
    expect(r.body.Resources[0].id).toBe(vars.groupId);
  });

  test("Patch Group: replace attributes", async () => {
    expectPatched(await send(seq.requests.replaceAttributes, vars), vars.groupId!);
    expect(await get()).toMatchObject({ externalId: vars.externalId2, displayName: vars.displayName2 });
  });

  test("Patch Group: update displayName", async () => {
    expectPatched(await send(seq.requests.updateDisplayName, vars), vars.groupId!);
    expect((await get()).displayName).toBe(vars.displayName3);
  });

  test("Patch Group: add member", async () => {
    expectPatched(await send(seq.requests.addMember, vars), vars.groupId!);
    expect(sortedValues((await get()).members)).toEqual([vars.member1!]);
    expectPatched(await send(seq.requests.addSecondMember, vars), vars.groupId!);
    expect(sortedValues((await get()).members)).toEqual([vars.member1!, vars.member2!].toSorted());
  });

  test("Patch Group: remove member by path \"members\" and a value array", async () => {
    expectPatched(await send(seq.requests.removeMemberValueArray, vars), vars.groupId!);
    expect(sortedValues((await get()).members)).toEqual([vars.member2!]);
  });

  test("Patch Group: remove member by members[value eq \"id\"]", async () => {
    expectPatched(await send(seq.requests.removeMemberFilter, vars), vars.groupId!);
    expect((await get()).members ?? []).toEqual([]);
  });

  test("Delete a Group, then delete it again: 204 then 404", async () => {
    expect((await send(seq.requests.delete, vars)).status).toBe(204);
    expectNotFound(await send(seq.requests.getDeleted, vars));
    expectNotFound(await send(seq.requests.deleteAgain, vars));
  });
});

// Groups through HTTP: membership, uniqueness, PATCH on members (RFC 7644 §3.5.2 and Entra ID's forms).
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(() => t.close());

const patchOp = (...Operations: Record<string, unknown>[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });
const q = (filter: string) => encodeURIComponent(filter);

async function newUser(userName: string): Promise<any> {
  const res = await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName });
  expect(res.status).toBe(201);
  return res.body;
}

async function newGroup(displayName: string, members: string[] = [], extra: Record<string, unknown> = {}): Promise<any> {
  const res = await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })), ...extra });
  expect(res.status).toBe(201);
  return res.body;
}

async function getGroup(id: string, query = ""): Promise<any> {
  const res = await t.json("GET", `/scim/Groups/${id}${query}`);
  expect(res.status).toBe(200);
  return res.body;
}

const memberIds = async (id: string) => ((await getGroup(id)).members ?? []).map((m: any) => m.value).sort();
const sorted = (...ids: string[]) => [...ids].sort();

/** Group PATCH answers 204 (Entra's documented response); the group is then read back with GET. */
async function patchGroup(id: string, ...ops: Record<string, unknown>[]) {
  const res = await t.json("PATCH", `/scim/Groups/${id}`, patchOp(...ops));
  if (res.status !== 204) return res;
  expect(res.body).toBeNull();
  expect(res.headers.get("etag")).toMatch(/^W\//);
  return { ...res, body: await getGroup(id) };
}

describe("create and read", () => {
  test("create with members; GET returns each member with value, $ref, display and type", async () => {
    const a = await newUser("alice@contoso.com");
    const b = await newUser("bob@contoso.com");
    const g = await newGroup("Engineering", [a.id, b.id]);
    expect(g.members).toHaveLength(2);
    const got = await getGroup(g.id);
    expect(got.displayName).toBe("Engineering");
    expect(got.members).toContainEqual({ value: a.id, $ref: `http://localhost/scim/Users/${a.id}`, display: "alice@contoso.com", type: "User" });
    expect(got.members).toContainEqual({ value: b.id, $ref: `http://localhost/scim/Users/${b.id}`, display: "bob@contoso.com", type: "User" });
    expect(got.meta).toMatchObject({ resourceType: "Group", location: `http://localhost/scim/Groups/${g.id}` });
  });

  test("the same member twice in a POST is stored once", async () => {
    const a = await newUser("dup@contoso.com");
    const g = await newGroup("Dups", [a.id, a.id]);
    expect(await memberIds(g.id)).toEqual([a.id]);
  });

  test("a member that does not exist on POST is left out with a warning; the group is created with the others", async () => {
    const a = await newUser("real@contoso.com");
    const res = await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName: "Ghosts", members: [{ value: a.id }, { value: "no-such-id" }] });
    expect(res.status).toBe(201);
    expect(res.body.members.map((m: any) => m.value)).toEqual([a.id]);
    expect(await memberIds(res.body.id)).toEqual([a.id]);
    expect((await t.json("GET", `/scim/Users/${a.id}`)).body.groups.map((g: any) => g.value)).toEqual([res.body.id]);
    const warned = t.logs.map((l) => JSON.parse(l)).filter((l) => l.level === "warn" && l.group === res.body.id);
    expect(warned.map((l) => [l.missing, l.count])).toEqual([[["no-such-id"], 1]]);
    // In the audit trail too, after the group's creation and before its members.
    const events = (await t.storage.repo.events({ limit: 100 })).filter((e) => e.resourceId === res.body.id);
    expect(events.map((e) => e.type)).toEqual(["group.created", "group.members_skipped", "group.member_added"]);
    expect(events[1]).toMatchObject({ name: "Ghosts", token: "test", data: { missing: ["no-such-id"], count: 1 } });
  });

  test("displayName is unique without regard to case: 409 uniqueness", async () => {
    await newGroup("Sales");
    const res = await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName: "SALES" });
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe("uniqueness");
  });

  test("renaming to another group's displayName (any case) is 409, by PATCH and by PUT", async () => {
    await newGroup("Red");
    const blue = await newGroup("Blue");
    expect((await patchGroup(blue.id, { op: "replace", path: "displayName", value: "rED" })).status).toBe(409);
    expect((await t.json("PUT", `/scim/Groups/${blue.id}`, { schemas: [GROUP_SCHEMA], displayName: "red" })).status).toBe(409);
    expect((await getGroup(blue.id)).displayName).toBe("Blue");
  });

  test("filter displayName eq matches in any case; externalId filter", async () => {
    const g = await newGroup("Finance Team", [], { externalId: "ext-fin" });
    await newGroup("Other", [], { externalId: "ext-other" });
    for (const name of ["Finance Team", "finance team", "FINANCE TEAM"]) {
      const res = await t.json("GET", `/scim/Groups?filter=${q(`displayName eq "${name}"`)}`);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].id).toBe(g.id);
    }
    const ext = await t.json("GET", `/scim/Groups?filter=${q('externalId eq "ext-fin"')}`);
    expect(ext.body.Resources.map((r: any) => r.id)).toEqual([g.id]);
  });

  test("excludedAttributes=members omits members, on GET and on list", async () => {
    const a = await newUser("carol@contoso.com");
    const g = await newGroup("Excluded", [a.id]);
    const got = await getGroup(g.id, "?excludedAttributes=members");
    expect(got.members).toBeUndefined();
    expect(got.displayName).toBe("Excluded");
    const list = await t.json("GET", `/scim/Groups?excludedAttributes=members&filter=${q('displayName eq "Excluded"')}`);
    expect(list.body.Resources[0].members).toBeUndefined();
    expect(list.body.Resources[0].id).toBe(g.id);
  });

  test("attributes naming a sub-attribute of members (or of a user's groups) return just that, not nothing", async () => {
    const a = await newUser("cora@contoso.com");
    const g = await newGroup("Projected", [a.id]);
    expect((await getGroup(g.id, "?attributes=members.display")).members).toEqual([{ display: "cora@contoso.com" }]);
    expect((await getGroup(g.id, "?attributes=members.type,members.value")).members).toEqual([{ value: a.id, type: "User" }]);
    const u = await t.json("GET", `/scim/Users/${a.id}?attributes=groups.display`);
    expect(u.body.groups).toEqual([{ display: "Projected" }]);
  });

  test("a nested group member is reported with type Group", async () => {
    const inner = await newGroup("Inner");
    const outer = await newGroup("Outer", [inner.id]);
    const got = await getGroup(outer.id);
    expect(got.members).toEqual([{ value: inner.id, $ref: `http://localhost/scim/Groups/${inner.id}`, display: "Inner", type: "Group" }]);
  });

  test("a group cannot be a member of itself", async () => {
    const g = await newGroup("Self");
    const res = await patchGroup(g.id, { op: "add", path: "members", value: [{ value: g.id }] });
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidValue");
  });
});

describe("PATCH members", () => {
  let users: any[];
  let g: any;
  beforeEach(async () => {
    users = [];
    for (const n of ["u1", "u2", "u3", "u4"]) users.push(await newUser(`${n}@contoso.com`));
    g = await newGroup("Team", [users[0].id, users[1].id]);
  });

  test("add with path members and a value array; adding again is a no-op", async () => {
    const add = { op: "Add", path: "members", value: [{ $ref: null, value: users[2].id }, { $ref: null, value: users[1].id }] };
    const first = await patchGroup(g.id, add);
    expect(first.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id, users[2].id));
    const second = await patchGroup(g.id, add);
    expect(second.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id, users[2].id));
    const members = (await getGroup(g.id)).members;
    expect(members).toHaveLength(3);
  });

  test("the PATCH response is 204 by default and the group with its members when a representation is asked for", async () => {
    const plain = await t.json("PATCH", `/scim/Groups/${g.id}`, patchOp({ op: "add", path: "members", value: [{ value: users[2].id }] }));
    expect(plain.status).toBe(204);
    const res = await t.json("PATCH", `/scim/Groups/${g.id}?excludedAttributes=externalId`, patchOp({ op: "add", path: "members", value: [{ value: users[3].id }] }));
    expect(res.status).toBe(200);
    expect(res.body.members.map((m: any) => m.value).sort()).toEqual(sorted(users[0].id, users[1].id, users[2].id, users[3].id));
  });

  test("a PATCH's representation shows the members of the version it names, with another PATCH right behind it", async () => {
    const a = users[0].id;
    const b = users[2].id;
    const before = (await getGroup(g.id)).members.map((m: any) => m.value).sort();
    const [add, remove] = await Promise.all([
      t.json("PATCH", `/scim/Groups/${g.id}?excludedAttributes=externalId`, patchOp({ op: "add", path: "members", value: [{ value: b }] })),
      t.json("PATCH", `/scim/Groups/${g.id}?excludedAttributes=externalId`, patchOp({ op: "remove", path: `members[value eq "${a}"]` })),
    ]);
    const shown = (r: typeof add) => (r.body.members ?? []).map((m: any) => m.value).sort();
    const version = (r: typeof add) => Number(/\d+/.exec(r.body.meta.version)![0]);
    expect([add.status, remove.status]).toEqual([200, 200]);
    expect(add.headers.get("etag")).toBe(add.body.meta.version);
    // Whichever ran first shows its own change alone; the second shows both. Read after both had run, the
    // first one's answer showed the second's members under its own version.
    const [first, second] = version(add) < version(remove) ? [add, remove] : [remove, add];
    const afterFirst = first === add ? sorted(...before, b) : before.filter((id: string) => id !== a);
    expect(shown(first)).toEqual(afterFirst);
    expect(shown(second)).toEqual(sorted(...before.filter((id: string) => id !== a), b));
    expect(shown(second)).toEqual(await memberIds(g.id));
  });

  test("remove with path members and a value array removes exactly those (Entra ID)", async () => {
    await patchGroup(g.id, { op: "add", path: "members", value: [{ value: users[2].id }, { value: users[3].id }] });
    const res = await patchGroup(g.id, { op: "Remove", path: "members", value: [{ $ref: null, value: users[0].id }, { value: users[2].id }] });
    expect(res.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(users[1].id, users[3].id));
  });

  test('remove with members[value eq "ID"] removes that member', async () => {
    const res = await patchGroup(g.id, { op: "remove", path: `members[value eq "${users[0].id}"]` });
    expect(res.status).toBe(204);
    expect(await memberIds(g.id)).toEqual([users[1].id]);
  });

  test("remove with an or-filter removes each named member", async () => {
    await patchGroup(g.id, { op: "add", path: "members", value: [{ value: users[2].id }] });
    await patchGroup(g.id, { op: "remove", path: `members[value eq "${users[0].id}" or value eq "${users[2].id}"]` });
    expect(await memberIds(g.id)).toEqual([users[1].id]);
  });

  test("remove with path members and no value removes all members", async () => {
    const res = await patchGroup(g.id, { op: "remove", path: "members" });
    expect(res.status).toBe(204);
    expect((await getGroup(g.id)).members).toBeUndefined();
    expect((await t.json("GET", `/scim/Users/${users[0].id}`)).body.groups).toBeUndefined();
  });

  // Entra ID's form "path members + value array" removes exactly the listed members: an empty list lists none.
  test("remove with path members and an empty value array removes nothing", async () => {
    const res = await patchGroup(g.id, { op: "remove", path: "members", value: [] });
    expect(res.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id));
  });

  test("remove with path members and values naming no member removes nothing", async () => {
    const res = await patchGroup(g.id, { op: "remove", path: "members", value: [{ value: users[3].id }] });
    expect(res.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id));
  });

  test('remove with members[type eq "Group"] removes only nested groups', async () => {
    const inner = await newGroup("Nested", [users[2].id]);
    await patchGroup(g.id, { op: "add", path: "members", value: [{ value: inner.id }] });
    const res = await patchGroup(g.id, { op: "remove", path: 'members[type eq "Group"]' });
    expect(res.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id));
  });

  test("replace members[value eq X] replaces that member only; one matching nobody is noTarget", async () => {
    const a = await newUser("rep-a@contoso.com");
    const b = await newUser("rep-b@contoso.com");
    const c = await newUser("rep-c@contoso.com");
    const g = await newGroup("Replaced", [a.id, c.id]);
    const r = await patchGroup(g.id, { op: "replace", path: `members[value eq "${a.id}"]`, value: [{ value: b.id }] });
    expect(r.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(b.id, c.id));
    const none = await t.json("PATCH", `/scim/Groups/${g.id}`, patchOp({ op: "replace", path: `members[value eq "${a.id}"]`, value: [{ value: a.id }] }));
    expect([none.status, none.body.scimType]).toEqual([400, "noTarget"]);
    expect(await memberIds(g.id)).toEqual(sorted(b.id, c.id));
  });

  test("a member's value, display or type cannot be changed by a path naming it: 400 mutability, nothing changes", async () => {
    const a = await newUser("imm-a@contoso.com");
    const b = await newUser("imm-b@contoso.com");
    const g = await newGroup("Immutable", [a.id]);
    for (const op of [
      { op: "replace", path: `members[value eq "${a.id}"].value`, value: b.id },
      { op: "replace", path: "members.display", value: "x" },
      { op: "remove", path: `members[value eq "${a.id}"].type` },
    ]) {
      const res = await t.json("PATCH", `/scim/Groups/${g.id}`, patchOp(op));
      expect([op.path, res.status, res.body.scimType]).toEqual([op.path, 400, "mutability"]);
    }
    expect(await memberIds(g.id)).toEqual([a.id]);
  });

  test("replace members sets exactly the given members", async () => {
    const res = await patchGroup(g.id, { op: "replace", path: "members", value: [{ value: users[2].id }, { value: users[3].id }] });
    expect(res.status).toBe(204);
    expect(await memberIds(g.id)).toEqual(sorted(users[2].id, users[3].id));
  });

  test("path-less replace with members replaces them", async () => {
    await patchGroup(g.id, { op: "replace", value: { members: [{ value: users[3].id }] } });
    expect(await memberIds(g.id)).toEqual([users[3].id]);
  });

  test("path-less add with members adds them", async () => {
    await patchGroup(g.id, { op: "add", value: { members: [{ value: users[3].id }] } });
    expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id, users[3].id));
  });

  test("replace displayName with a path (Entra ID)", async () => {
    const res = await patchGroup(g.id, { op: "Replace", path: "displayName", value: "Team Renamed" });
    expect(res.status).toBe(204);
    const got = await getGroup(g.id);
    expect(got.displayName).toBe("Team Renamed");
    expect(got.members).toHaveLength(2);
    expect((await t.json("GET", `/scim/Groups?filter=${q('displayName eq "team renamed"')}`)).body.totalResults).toBe(1);
  });

  test("replace displayName without a path", async () => {
    const res = await patchGroup(g.id, { op: "replace", value: { displayName: "Pathless" } });
    expect(res.status).toBe(204);
    expect((await getGroup(g.id)).displayName).toBe("Pathless");
  });

  test("path-less replace of displayName and members together", async () => {
    const res = await patchGroup(g.id, { op: "replace", value: { displayName: "Both", members: [{ value: users[2].id }] } });
    expect(res.status).toBe(204);
    const got = await getGroup(g.id);
    expect(got.displayName).toBe("Both");
    expect(got.members.map((m: any) => m.value)).toEqual([users[2].id]);
  });

  for (const [name, memberOp, members] of [
    ["add", { op: "add", path: "members", value: [{ value: "not-a-user" }, { value: "also-gone" }] }, () => [users[1].id, users[3].id]],
    ["replace", { op: "replace", path: "members", value: [{ value: "not-a-user" }, { value: "also-gone" }] }, () => []],
    ["path-less add", { op: "add", value: { members: [{ value: "not-a-user" }, { value: "also-gone" }] } }, () => [users[1].id, users[3].id]],
  ] as const) {
    test(`a member that does not exist (${name}) is left out with a warning, and the rest of the request is applied`, async () => {
      const res = await patchGroup(
        g.id,
        { op: "replace", path: "displayName", value: "Sticks" },
        { op: "add", path: "members", value: [{ value: users[3].id }] },
        { op: "remove", path: `members[value eq "${users[0].id}"]` },
        memberOp,
      );
      expect(res.status).toBe(204);
      expect((await getGroup(g.id)).displayName).toBe("Sticks");
      expect(await memberIds(g.id)).toEqual(sorted(...members()));
      const warned = t.logs.map((l) => JSON.parse(l)).filter((l) => l.level === "warn" && l.group === g.id);
      expect(warned.map((l) => [l.missing, l.count])).toEqual([[["not-a-user", "also-gone"], 2]]);
      // Named as the request's other membership events name the group: as it was when they were applied.
      const skipped = (await t.storage.repo.events({ limit: 100, types: ["group.members_skipped"] })).filter((e) => e.resourceId === g.id);
      expect(skipped.map((e) => [e.name, e.data])).toEqual([["Team", { missing: ["not-a-user", "also-gone"], count: 2 }]]);
    });
  }

  test("a group that contains this one, directly or nested, cannot become its member: 400, nothing applied", async () => {
    const inner = await newGroup("Inner", [users[0].id]);
    const middle = await newGroup("Middle", [inner.id]);
    const outer = await newGroup("Outer", [middle.id]);
    for (const [target, member] of [[inner, middle], [inner, outer], [middle, outer]] as const) {
      const res = await patchGroup(target.id, { op: "replace", path: "displayName", value: "Nope" }, { op: "add", path: "members", value: [{ value: users[1].id }, { value: member.id }] });
      expect([res.status, res.body.scimType]).toEqual([400, "invalidValue"]);
      expect(res.body.detail).toContain(`"${member.displayName}" already contains this group`);
      expect((await getGroup(target.id)).displayName).toBe(target.displayName);
    }
    const put = await t.json("PUT", `/scim/Groups/${inner.id}`, { schemas: [GROUP_SCHEMA], displayName: "Inner", members: [{ value: outer.id }] });
    expect(put.status).toBe(400);
    expect(await memberIds(inner.id)).toEqual([users[0].id]);
    // The other way round is no cycle.
    expect((await patchGroup(outer.id, { op: "add", path: "members", value: [{ value: inner.id }] })).status).toBe(204);
  });

  test("a cycle stored before the check existed does not block requests that add nothing new", async () => {
    const a = await newGroup("Cycle A");
    const b = await newGroup("Cycle B", [a.id]);
    // Written straight to storage, as an earlier version would have let a client do.
    await t.storage.repo.write((tx) => tx.addMembers(a.id, [{ id: b.id, type: "Group" }]));
    expect((await patchGroup(a.id, { op: "add", path: "members", value: [{ value: b.id }] })).status).toBe(204);
    const put = await t.json("PUT", `/scim/Groups/${a.id}`, { schemas: [GROUP_SCHEMA], displayName: "Cycle A renamed", members: [{ value: b.id }, { value: users[0].id }] });
    expect(put.status).toBe(200);
    expect(await memberIds(a.id)).toEqual(sorted(b.id, users[0].id));
  });

  test("POST and PUT check members as PATCH does: a value that is no id is a 400, nothing created or changed", async () => {
    for (const bad of [{ value: 5 }, { value: "" }, { display: "x" }, "just-an-id"]) {
      const post = await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName: "Malformed", members: [{ value: users[2].id }, bad] });
      expect([post.status, post.body.scimType]).toEqual([400, "invalidValue"]);
      const put = await t.json("PUT", `/scim/Groups/${g.id}`, { schemas: [GROUP_SCHEMA], displayName: "Nope", members: [bad] });
      expect([put.status, put.body.scimType]).toEqual([400, "invalidValue"]);
    }
    // The same under the schema-qualified key.
    const qualified = await t.json("POST", "/scim/Groups", { displayName: "Malformed", [`${GROUP_SCHEMA}:members`]: [{ value: users[2].id }, { value: 5 }] });
    expect([qualified.status, qualified.body.scimType]).toEqual([400, "invalidValue"]);
    expect((await t.json("GET", `/scim/Groups?filter=${q('displayName eq "Malformed"')}`)).body.totalResults).toBe(0);
    expect((await getGroup(g.id)).displayName).toBe("Team");
    expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id));
  });

  test("a member's value is read without regard to case (RFC 7643 §2.1), by POST, PUT and PATCH", async () => {
    const created = await t.json("POST", "/scim/Groups", { displayName: "Cased", members: [{ Value: users[2].id }] });
    expect(created.status).toBe(201);
    expect(await memberIds(created.body.id)).toEqual([users[2].id]);
    expect((await patchGroup(created.body.id, { op: "add", path: "members", value: [{ VALUE: users[3].id }] })).status).toBe(204);
    expect(await memberIds(created.body.id)).toEqual(sorted(users[2].id, users[3].id));
    // A removal too: with {"Value": id} it answered 204 and removed nobody, so the member kept the group's access.
    expect((await patchGroup(created.body.id, { op: "remove", path: "members", value: [{ Value: users[2].id }] })).status).toBe(204);
    expect(await memberIds(created.body.id)).toEqual([users[3].id]);
    expect((await t.json("PUT", `/scim/Groups/${created.body.id}`, { displayName: "Cased", members: [{ value: users[0].id }] })).status).toBe(200);
    expect(await memberIds(created.body.id)).toEqual([users[0].id]);
  });

  test("a removal naming a member without a value is a 400, not a removal of nobody reported as done; nothing is applied", async () => {
    for (const bad of [{ display: "x" }, { value: 5 }]) {
      const res = await patchGroup(g.id, { op: "remove", path: "members", value: [{ value: users[0].id }, bad] });
      expect([res.status, res.body.scimType]).toEqual([400, "invalidValue"]);
      expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id));
    }
    // A bare id is still taken, as before.
    expect((await patchGroup(g.id, { op: "remove", path: "members", value: [users[0].id] })).status).toBe(204);
    expect(await memberIds(g.id)).toEqual([users[1].id]);
  });

  test("a member value that is no id (a number, an empty string, none) is still 400 invalidValue, and nothing is applied", async () => {
    for (const bad of [{ value: 5 }, { value: "" }, { display: "x" }]) {
      const res = await patchGroup(g.id, { op: "replace", value: { displayName: "Nope" } }, { op: "add", path: "members", value: [{ value: users[2].id }, bad] });
      expect([res.status, res.body.scimType]).toEqual([400, "invalidValue"]);
      expect((await getGroup(g.id)).displayName).toBe("Team");
      expect(await memberIds(g.id)).toEqual(sorted(users[0].id, users[1].id));
    }
  });

  test("PUT replaces members; a member that does not exist is left out and the rest applied", async () => {
    const ok = await t.json("PUT", `/scim/Groups/${g.id}`, { schemas: [GROUP_SCHEMA], displayName: "Team", members: [{ value: users[3].id }] });
    expect(ok.status).toBe(200);
    expect(await memberIds(g.id)).toEqual([users[3].id]);
    const partly = await t.json("PUT", `/scim/Groups/${g.id}`, { schemas: [GROUP_SCHEMA], displayName: "Renamed", members: [{ value: "gone" }, { value: users[2].id }] });
    expect(partly.status).toBe(200);
    expect(partly.body.members.map((m: any) => m.value)).toEqual([users[2].id]);
    expect((await getGroup(g.id)).displayName).toBe("Renamed");
    expect(await memberIds(g.id)).toEqual([users[2].id]);
  });
});

describe("users' groups", () => {
  test("a user's groups attribute lists its direct groups", async () => {
    const u = await newUser("dana@contoso.com");
    const a = await newGroup("Alpha", [u.id]);
    const b = await newGroup("Beta", [u.id]);
    await newGroup("Gamma");
    const got = (await t.json("GET", `/scim/Users/${u.id}`)).body;
    expect(got.groups).toHaveLength(2);
    expect(got.groups).toContainEqual(expect.objectContaining({ value: a.id, display: "Alpha", $ref: `http://localhost/scim/Groups/${a.id}` }));
    expect(got.groups).toContainEqual(expect.objectContaining({ value: b.id, display: "Beta" }));
  });

  test("a user's groups stay direct only, even when its group is nested in another", async () => {
    const u = await newUser("eli@contoso.com");
    const inner = await newGroup("Inner", [u.id]);
    const outer = await newGroup("Outer", [inner.id]);
    const got = (await t.json("GET", `/scim/Users/${u.id}`)).body;
    expect(got.groups.map((g: any) => g.value)).toEqual([inner.id]);
    expect(got.groups.map((g: any) => g.value)).not.toContain(outer.id);
    for (const g of got.groups) expect(g.type).toBe("direct");
  });

  test("deleting a user removes it from its groups", async () => {
    const u = await newUser("fay@contoso.com");
    const v = await newUser("gus@contoso.com");
    const g = await newGroup("Leavers", [u.id, v.id]);
    expect((await t.request("DELETE", `/scim/Users/${u.id}`)).status).toBe(204);
    expect(await memberIds(g.id)).toEqual([v.id]);
    const byMember = await t.json("GET", `/scim/Groups?filter=${q(`members.value eq "${u.id}"`)}`);
    expect(byMember.body.totalResults).toBe(0);
  });

  test("deleting a group removes it from users' groups and from its parent group", async () => {
    const u = await newUser("hal@contoso.com");
    const keep = await newGroup("Keep", [u.id]);
    const doomed = await newGroup("Doomed", [u.id]);
    const parent = await newGroup("Parent", [doomed.id, u.id]);
    expect((await t.request("DELETE", `/scim/Groups/${doomed.id}`)).status).toBe(204);
    expect((await t.json("GET", `/scim/Groups/${doomed.id}`)).status).toBe(404);
    const got = (await t.json("GET", `/scim/Users/${u.id}`)).body;
    expect(got.groups.map((g: any) => g.value).sort()).toEqual(sorted(keep.id, parent.id));
    expect(await memberIds(parent.id)).toEqual([u.id]);
    expect((await t.json("DELETE", `/scim/Groups/${doomed.id}`)).status).toBe(404);
  });

  test("a renamed group shows its new display in the user's groups", async () => {
    const u = await newUser("ida@contoso.com");
    const g = await newGroup("Before", [u.id]);
    await patchGroup(g.id, { op: "replace", path: "displayName", value: "After" });
    expect((await t.json("GET", `/scim/Users/${u.id}`)).body.groups[0].display).toBe("After");
  });

  test("a user's groups attribute sent on input is ignored (readOnly)", async () => {
    const g = await newGroup("NotJoined");
    const res = await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: "jo@contoso.com", groups: [{ value: g.id }] });
    expect(res.status).toBe(201);
    expect(res.body.groups).toBeUndefined();
    expect((await getGroup(g.id)).members).toBeUndefined();
  });

  test("users can be filtered by the groups they belong to", async () => {
    const a = await newUser("kai@contoso.com");
    const b = await newUser("lea@contoso.com");
    const g = await newGroup("Filtered", [a.id]);
    for (const filter of [`groups.value eq "${g.id}"`, `groups[value eq "${g.id}"]`, `groups eq "${g.id}"`]) {
      const res = await t.json("GET", `/scim/Users?filter=${encodeURIComponent(filter)}`);
      expect(res.status).toBe(200);
      expect(res.body.Resources.map((r: any) => r.id)).toEqual([a.id]);
    }
    const none = await t.json("GET", `/scim/Users?filter=${encodeURIComponent(`not (groups pr) and userName eq "lea@contoso.com"`)}`);
    expect(none.body.Resources.map((r: any) => r.id)).toEqual([b.id]);
  });
});

describe("a member's new name is a new version of the groups that list it (RFC 7232 §2.1)", () => {
  test("renaming a user: each group it is in gets a new ETag and shows the new display; other groups keep theirs", async () => {
    const u = await newUser("old.name@contoso.com");
    const other = await newUser("other@contoso.com");
    const a = await newGroup("With", [u.id, other.id]);
    const b = await newGroup("Without", [other.id]);
    const renamed = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "new.name@contoso.com" }));
    expect(renamed.status).toBe(200);
    const stale = await t.request("GET", `/scim/Groups/${a.id}`, undefined, { headers: { "if-none-match": a.meta.version } });
    expect(stale.status).toBe(200);
    const got = await getGroup(a.id);
    expect(got.meta.version).not.toBe(a.meta.version);
    expect(got.members.find((m: any) => m.value === u.id).display).toBe("new.name@contoso.com");
    expect((await getGroup(b.id)).meta.version).toBe(b.meta.version);
    // A change that leaves the name alone leaves the groups' versions alone.
    await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "New title" }));
    expect((await getGroup(a.id)).meta.version).toBe(got.meta.version);
  });

  test("a rename by PUT, and one of case only, give the group a new version too", async () => {
    const u = await newUser("case.only@contoso.com");
    const g = await newGroup("Cases", [u.id]);
    const upper = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "CASE.ONLY@contoso.com" }));
    expect(upper.status).toBe(200);
    const afterCase = await getGroup(g.id);
    expect([afterCase.meta.version !== g.meta.version, afterCase.members[0].display]).toEqual([true, "CASE.ONLY@contoso.com"]);
    const put = await t.json("PUT", `/scim/Users/${u.id}`, { schemas: [USER_SCHEMA], userName: "Case.Only@contoso.com" });
    expect(put.status).toBe(200);
    const afterPut = await getGroup(g.id);
    expect([afterPut.meta.version !== afterCase.meta.version, afterPut.members[0].display]).toEqual([true, "Case.Only@contoso.com"]);
  });

  test("renaming a group: each group it is a member of gets a new ETag", async () => {
    const inner = await newGroup("Inner");
    const outer = await newGroup("Outer", [inner.id]);
    expect((await patchGroup(inner.id, { op: "replace", path: "displayName", value: "Inner Renamed" })).status).toBe(204);
    const got = await getGroup(outer.id);
    expect(got.meta.version).not.toBe(outer.meta.version);
    expect(got.members[0].display).toBe("Inner Renamed");
  });
});

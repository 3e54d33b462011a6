// The audit trail, in-process: every state change appends exactly its event in the change's own transaction,
// a failed transaction leaves neither, and every failed SCIM request is recorded without body or token.
import { afterEach, describe, expect, test } from "bun:test";
import type { EventRecord } from "../../src/core/repository.ts";
import { hashSecret } from "../../src/core/tokens.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { allEvents, eventsAfter, expectStrictlyIncreasing, group, lastSeq, patchOp, user, waitFor } from "./helpers.ts";

const apps: TestApp[] = [];
async function app(overrides: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  const t = await createTestApp(overrides);
  apps.push(t);
  return t;
}
afterEach(() => {
  for (const t of apps.splice(0)) t.close();
});

/** Sends a request and returns the events it appended, with the response. */
async function step(t: TestApp, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const before = await lastSeq(t);
  const res = await t.json(method, path, body, { headers });
  const events = await eventsAfter(t, before);
  return { status: res.status, body: res.body, requestId: res.headers.get("x-request-id"), events, before };
}

async function createUser(t: TestApp, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await t.json("POST", "/scim/Users", user(userName, extra));
  expect(r.status).toBe(201);
  return r.body.id;
}

async function createGroup(t: TestApp, displayName: string, members: string[] = []): Promise<string> {
  const r = await t.json("POST", "/scim/Groups", group(displayName, members.length ? { members: members.map((value) => ({ value })) } : {}));
  expect(r.status).toBe(201);
  return r.body.id;
}

function expectActor(e: EventRecord, requestId: string | null) {
  expect(e.token).toBe("test");
  expect(requestId).toBeTruthy();
  expect(e.requestId).toBe(requestId!);
  expect(typeof e.time).toBe("string");
  expect(Number.isNaN(Date.parse(e.time))).toBe(false);
}

describe("user events", () => {
  test("POST /Users appends exactly one user.created with token, the response's request id, id and userName", async () => {
    const t = await app();
    const r = await step(t, "POST", "/scim/Users", user("alice@example.com", { title: "Engineer", name: { givenName: "Alice" } }), { "x-request-id": "req-create-1" });
    expect(r.status).toBe(201);
    expect(r.requestId).toBe("req-create-1");
    expect(r.events).toHaveLength(1);
    const [e] = r.events;
    expect(e!.type).toBe("user.created");
    expectActor(e!, r.requestId);
    expect(e!.resourceType).toBe("User");
    expect(e!.resourceId).toBe(r.body.id);
    expect(e!.name).toBe("alice@example.com");
    expect(e!.seq).toBeGreaterThan(r.before);
    expect((e!.data as any).record).toMatchObject({ username: "alice@example.com", profession: "Engineer", firstName: "Alice", active: true });
  });

  test("a generated request id (no X-Request-Id sent) is the one stored in the event", async () => {
    const t = await app();
    const r = await step(t, "POST", "/scim/Users", user("gen@example.com"));
    expect(r.status).toBe(201);
    expect(r.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.events.map((e) => e.requestId)).toEqual([r.requestId]);
  });

  test("PATCH title appends exactly one user.updated whose changes are exactly profession before/after", async () => {
    const t = await app();
    const id = await createUser(t, "bob@example.com", { title: "Engineer" });
    const r = await step(t, "PATCH", `/scim/Users/${id}`, patchOp({ op: "replace", path: "title", value: "Manager" }));
    expect(r.status).toBe(200);
    expect(r.events).toHaveLength(1);
    const [e] = r.events;
    expect(e!.type).toBe("user.updated");
    expectActor(e!, r.requestId);
    expect(e!.resourceId).toBe(id);
    expect(e!.name).toBe("bob@example.com");
    expect(e!.data).toEqual({ changes: { profession: { before: "Engineer", after: "Manager" } } });
  });

  test("a change to SCIM attributes the record does not map is one user.updated naming them; the record is left as it was", async () => {
    const t = await app();
    const id = await createUser(t, "mgr@example.com", { phoneNumbers: [{ type: "work", value: "1" }] });
    const before = await t.storage.repo.directoryByScimId(id);
    const r = await step(
      t,
      "PATCH",
      `/scim/Users/${id}`,
      patchOp(
        { op: "Add", path: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", value: "boss-id" },
        { op: "Add", path: 'phoneNumbers[type eq "fax"].value', value: "2" },
        { op: "Replace", path: "nickName", value: "M" },
      ),
    );
    expect(r.status).toBe(200);
    expect(r.events.map((e) => [e.type, e.data])).toEqual([
      ["user.updated", { changes: {}, attributes: ["nickName", "phoneNumbers", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"] }],
    ]);
    expect(await t.storage.repo.directoryByScimId(id)).toEqual(before);
  });

  test("PUT with several changed directory fields lists exactly those fields", async () => {
    const t = await app();
    const id = await createUser(t, "carol@example.com", { title: "Engineer", displayName: "Carol", name: { givenName: "Carol" } });
    const r = await step(
      t,
      "PUT",
      `/scim/Users/${id}`,
      user("carol@example.com", { title: "Director", displayName: "Carol", name: { givenName: "Caroline", familyName: "Jones" } }),
    );
    expect(r.status).toBe(200);
    expect(r.events.map((e) => e.type)).toEqual(["user.updated"]);
    expect(r.events[0]!.data).toEqual({
      changes: {
        profession: { before: "Engineer", after: "Director" },
        firstName: { before: "Carol", after: "Caroline" },
        lastName: { before: null, after: "Jones" },
      },
    });
  });

  test('active "False" (Entra) appends user.deactivated; back to true appends user.reactivated', async () => {
    const t = await app();
    const id = await createUser(t, "dave@example.com");
    const off = await step(t, "PATCH", `/scim/Users/${id}`, patchOp({ op: "Replace", path: "active", value: "False" }));
    expect(off.status).toBe(200);
    expect(off.events).toHaveLength(1);
    expect(off.events[0]!.type).toBe("user.deactivated");
    expectActor(off.events[0]!, off.requestId);
    expect(off.events[0]!.resourceId).toBe(id);
    expect(off.events[0]!.name).toBe("dave@example.com");
    expect(off.events[0]!.data).toEqual({ changes: { active: { before: true, after: false } } });

    const on = await step(t, "PATCH", `/scim/Users/${id}`, patchOp({ op: "replace", path: "active", value: true }));
    expect(on.status).toBe(200);
    expect(on.events).toHaveLength(1);
    expect(on.events[0]!.type).toBe("user.reactivated");
    expect(on.events[0]!.data).toEqual({ changes: { active: { before: false, after: true } } });
  });

  test("DELETE /Users appends one member_removed per group the user was in, then user.deleted", async () => {
    const t = await app();
    const id = await createUser(t, "erin@example.com");
    const g1 = await createGroup(t, "Sales", [id]);
    const g2 = await createGroup(t, "Ops", [id]);
    const r = await step(t, "DELETE", `/scim/Users/${id}`);
    expect(r.status).toBe(204);
    expect(r.events.map((e) => e.type).sort()).toEqual(["group.member_removed", "group.member_removed", "user.deleted"]);
    for (const e of r.events) expectActor(e, r.requestId);
    const removed = r.events.filter((e) => e.type === "group.member_removed");
    expect(removed.map((e) => e.resourceId).sort()).toEqual([g1, g2].sort());
    for (const e of removed) expect((e.data as any).member.id).toBe(id);
    const deleted = r.events.find((e) => e.type === "user.deleted")!;
    expect(deleted.resourceId).toBe(id);
    expect(deleted.name).toBe("erin@example.com");
    // The user.deleted event is the last one of the transaction.
    expect(r.events.at(-1)!.type).toBe("user.deleted");
  });

  test('username_changes = "allow": a rename is user.updated with username before/after and the new name', async () => {
    const t = await app({ provisioning: { username_changes: "allow" } });
    const id = await createUser(t, "old@example.com", { title: "X" });
    const r = await step(t, "PATCH", `/scim/Users/${id}`, patchOp({ op: "replace", path: "userName", value: "new@example.com" }, { op: "replace", path: "title", value: "Y" }));
    expect(r.status).toBe(200);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: "user.updated", name: "new@example.com", resourceId: id });
    expect(r.events[0]!.data).toEqual({ changes: { profession: { before: "X", after: "Y" }, username: { before: "old@example.com", after: "new@example.com" } } });
  });

  test("a user deleted in deactivate mode and provisioned again: user.created marked as re-using the record", async () => {
    const t = await app();
    const id = await createUser(t, "back@example.com");
    expect((await t.json("DELETE", `/scim/Users/${id}`)).status).toBe(204);
    const r = await step(t, "POST", "/scim/Users", user("back@example.com", { title: "Returned" }));
    expect(r.status).toBe(201);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: "user.created", name: "back@example.com", resourceId: r.body.id, data: { reused: true } });
    expect((r.events[0]!.data as any).record.profession).toBe("Returned");
  });

  test("with a default group, a new user's event is followed by its group.member_added, in the same request", async () => {
    const t = await app({ provisioning: { default_group: "Everyone" } });
    const everyone = (await t.storage.repo.findIdByName("Group", "Everyone"))!;
    const r = await step(t, "POST", "/scim/Users", user("newbie@example.com"));
    expect(r.status).toBe(201);
    expect(r.events.map((e) => e.type)).toEqual(["user.created", "group.member_added"]);
    expect(r.events[1]).toMatchObject({ resourceId: everyone, name: "Everyone", requestId: r.requestId, token: "test" });
    expect((r.events[1]!.data as any).member).toMatchObject({ id: r.body.id, type: "User" });
  });

  test("the default group's member_added names the member as every membership event and the group do: by its SCIM userName", async () => {
    const t = await app({ provisioning: { default_group: "Everyone" } });
    const id = await createUser(t, "case@example.com");
    expect((await t.json("DELETE", `/scim/Users/${id}`)).status).toBe(204);
    // Back in another case: the re-used record keeps its username, the SCIM resource has the name as sent.
    const r = await step(t, "POST", "/scim/Users", user("CASE@example.com"));
    expect(r.status).toBe(201);
    expect(r.events[0]).toMatchObject({ type: "user.created", name: "case@example.com" });
    const added = r.events.find((e) => e.type === "group.member_added")!;
    const group = await t.json("GET", `/scim/Groups/${added.resourceId}`);
    expect(group.body.members).toEqual([expect.objectContaining({ value: r.body.id, display: "CASE@example.com" })]);
    expect((added.data as any).member).toEqual({ id: r.body.id, type: "User", display: "CASE@example.com" });
  });

  test('DELETE in delete = "delete" mode also appends user.deleted (directory record removed)', async () => {
    const t = await app({ provisioning: { delete: "delete" } });
    const id = await createUser(t, "frank@example.com");
    const r = await step(t, "DELETE", `/scim/Users/${id}`);
    expect(r.status).toBe(204);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({ type: "user.deleted", resourceId: id, name: "frank@example.com", data: { mode: "delete" } });
    expect(await t.storage.repo.directoryByUsername("frank@example.com")).toBeNull();
  });
});

describe("group events", () => {
  test("POST /Groups with members: group.created then one group.member_added per member", async () => {
    const t = await app();
    const a = await createUser(t, "a@example.com");
    const b = await createUser(t, "b@example.com");
    const r = await step(t, "POST", "/scim/Groups", group("Engineering", { members: [{ value: a }, { value: b }] }));
    expect(r.status).toBe(201);
    expect(r.events.map((e) => e.type)).toEqual(["group.created", "group.member_added", "group.member_added"]);
    for (const e of r.events) {
      expectActor(e, r.requestId);
      expect(e.resourceType).toBe("Group");
      expect(e.resourceId).toBe(r.body.id);
      expect(e.name).toBe("Engineering");
    }
    expect(r.events.slice(1).map((e) => (e.data as any).member.id).sort()).toEqual([a, b].sort());
    expect(r.events.slice(1).map((e) => (e.data as any).member.type)).toEqual(["User", "User"]);
  });

  test("PATCH add/remove members: one event per member actually added or removed", async () => {
    const t = await app();
    const a = await createUser(t, "a@example.com");
    const b = await createUser(t, "b@example.com");
    const c = await createUser(t, "c@example.com");
    const gid = await createGroup(t, "Team", [a]);

    // a is already a member: only b and c are added.
    const add = await step(t, "PATCH", `/scim/Groups/${gid}`, patchOp({ op: "add", path: "members", value: [{ value: a }, { value: b }, { value: c }] }));
    expect(add.status).toBeLessThan(300);
    expect(add.events.map((e) => e.type)).toEqual(["group.member_added", "group.member_added"]);
    expect(add.events.map((e) => (e.data as any).member.id).sort()).toEqual([b, c].sort());
    for (const e of add.events) expectActor(e, add.requestId);

    const rm = await step(t, "PATCH", `/scim/Groups/${gid}`, patchOp({ op: "remove", path: `members[value eq "${b}"]` }));
    expect(rm.status).toBeLessThan(300);
    expect(rm.events).toHaveLength(1);
    expect(rm.events[0]).toMatchObject({ type: "group.member_removed", resourceId: gid, name: "Team" });
    expect(rm.events[0]!.data).toEqual({ member: { id: b, type: "User", display: "b@example.com" } });

    // Removing a non-member changes nothing and appends nothing.
    const none = await step(t, "PATCH", `/scim/Groups/${gid}`, patchOp({ op: "remove", path: `members[value eq "${b}"]` }));
    expect(none.status).toBeLessThan(300);
    expect(none.events.filter((e) => e.type.startsWith("group.member"))).toHaveLength(0);

    // Remove all: one event per remaining member.
    const all = await step(t, "PATCH", `/scim/Groups/${gid}`, patchOp({ op: "remove", path: "members" }));
    expect(all.status).toBeLessThan(300);
    expect(all.events.map((e) => e.type)).toEqual(["group.member_removed", "group.member_removed"]);
    expect(all.events.map((e) => (e.data as any).member.id).sort()).toEqual([a, c].sort());
    expect(all.events.map((e) => (e.data as any).member.display).sort()).toEqual(["a@example.com", "c@example.com"]);
    expect(all.events.every((e) => (e.data as any).member.type === "User")).toBe(true);
  });

  test("PATCH displayName: group.updated with exactly displayName before/after", async () => {
    const t = await app();
    const gid = await createGroup(t, "Old Name");
    const r = await step(t, "PATCH", `/scim/Groups/${gid}`, patchOp({ op: "replace", path: "displayName", value: "New Name" }));
    expect(r.status).toBeLessThan(300);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]!.type).toBe("group.updated");
    expectActor(r.events[0]!, r.requestId);
    expect(r.events[0]!.name).toBe("New Name");
    expect(r.events[0]!.data).toEqual({ changes: { displayName: { before: "Old Name", after: "New Name" } } });
  });

  test("PUT replacing members appends removed/added only for the difference", async () => {
    const t = await app();
    const a = await createUser(t, "a@example.com");
    const b = await createUser(t, "b@example.com");
    const c = await createUser(t, "c@example.com");
    const gid = await createGroup(t, "Squad", [a, b]);
    const r = await step(t, "PUT", `/scim/Groups/${gid}`, group("Squad", { members: [{ value: b }, { value: c }] }));
    expect(r.status).toBe(200);
    expect(r.events.map((e) => e.type)).toEqual(["group.member_removed", "group.member_added"]);
    expect((r.events[0]!.data as any).member.id).toBe(a);
    expect((r.events[1]!.data as any).member.id).toBe(c);
  });

  test("DELETE /Groups appends group.deleted (id and displayName)", async () => {
    const t = await app();
    const a = await createUser(t, "a@example.com");
    const gid = await createGroup(t, "Temp", [a]);
    const r = await step(t, "DELETE", `/scim/Groups/${gid}`);
    expect(r.status).toBe(204);
    const deleted = r.events.filter((e) => e.type === "group.deleted");
    expect(deleted).toHaveLength(1);
    expectActor(deleted[0]!, r.requestId);
    expect(deleted[0]).toMatchObject({ resourceType: "Group", resourceId: gid, name: "Temp" });
    expect(r.events.every((e) => e.type === "group.deleted" || e.type === "group.member_removed")).toBe(true);
  });
});

describe("token events", () => {
  test("token.created and token.revoked, each in the token's own transaction; revoking an unknown name appends nothing", async () => {
    const t = await app();
    const before = await lastSeq(t);
    await t.storage.tokens.create("reporting", hashSecret("scimd_secret_value_for_event_test"), "admin", new Date().toISOString(), null);
    const created = await eventsAfter(t, before);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ type: "token.created", resourceType: "Token", name: "reporting" });
    expect((created[0]!.data as any).scope).toBe("admin");
    // Never the secret or its hash.
    expect(JSON.stringify(created[0])).not.toContain("scimd_secret_value_for_event_test");
    expect(JSON.stringify(created[0])).not.toContain(hashSecret("scimd_secret_value_for_event_test"));

    const mid = await lastSeq(t);
    expect(await t.storage.tokens.revoke("reporting")).toBe(true);
    const revoked = await eventsAfter(t, mid);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ type: "token.revoked", resourceType: "Token", resourceId: created[0]!.resourceId, name: "reporting" });

    const end = await lastSeq(t);
    expect(await t.storage.tokens.revoke("reporting")).toBe(false);
    expect(await lastSeq(t)).toBe(end);
  });

  test("a duplicate token name fails and appends no event", async () => {
    const t = await app();
    const before = await lastSeq(t);
    await expect(t.storage.tokens.create("test", hashSecret("x"), "scim", new Date().toISOString(), null)).rejects.toThrow();
    expect(await lastSeq(t)).toBe(before);
  });
});

describe("a failed transaction leaves neither change nor event", () => {
  test("group PATCH adding a malformed member together with a rename: 400, no rename, no member_added, seq unchanged", async () => {
    const t = await app();
    const a = await createUser(t, "a@example.com");
    const gid = await createGroup(t, "Stable");
    const before = await lastSeq(t);
    const res = await t.json(
      "PATCH",
      `/scim/Groups/${gid}`,
      patchOp(
        { op: "replace", path: "displayName", value: "Renamed" },
        { op: "add", path: "members", value: [{ value: a }, { value: 42 }] },
      ),
    );
    expect(res.status).toBe(400);
    expect(await lastSeq(t)).toBe(before);
    const g = await t.json("GET", `/scim/Groups/${gid}`);
    expect(g.body.displayName).toBe("Stable");
    expect(g.body.members ?? []).toEqual([]);
  });

  test("the same with the valid member add first, the group as its own member next and the rename last: nothing kept", async () => {
    const t = await app();
    const a = await createUser(t, "a@example.com");
    const gid = await createGroup(t, "Stable2");
    const before = await lastSeq(t);
    const res = await t.json(
      "PATCH",
      `/scim/Groups/${gid}`,
      patchOp(
        { op: "add", path: "members", value: [{ value: a }] },
        { op: "add", path: "members", value: [{ value: gid }] },
        { op: "replace", path: "displayName", value: "Renamed2" },
      ),
    );
    expect(res.status).toBe(400);
    expect(await lastSeq(t)).toBe(before);
    expect((await t.storage.repo.members(gid)).length).toBe(0);
    expect((await t.json("GET", `/scim/Groups/${gid}`)).body.displayName).toBe("Stable2");
  });

  test("duplicate POST /Users and /Groups: 409, no event", async () => {
    const t = await app();
    await createUser(t, "dup@example.com");
    await createGroup(t, "DupGroup");
    const before = await lastSeq(t);
    expect((await t.json("POST", "/scim/Users", user("DUP@example.com"))).status).toBe(409);
    expect((await t.json("POST", "/scim/Groups", group("dupgroup"))).status).toBe(409);
    expect(await lastSeq(t)).toBe(before);
  });

  test("a PUT with a stale If-Match (412) and a PATCH removing userName (400): no event, record unchanged", async () => {
    const t = await app();
    const id = await createUser(t, "etag@example.com", { title: "A" });
    const before = await lastSeq(t);
    const stale = await t.json("PUT", `/scim/Users/${id}`, user("etag@example.com", { title: "B" }), { headers: { "if-match": 'W/"999"' } });
    expect(stale.status).toBe(412);
    const bad = await t.json("PATCH", `/scim/Users/${id}`, patchOp({ op: "replace", path: "title", value: "C" }, { op: "remove", path: "userName" }));
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(await lastSeq(t)).toBe(before);
    expect((await t.storage.repo.directoryByUsername("etag@example.com"))!.profession).toBe("A");
  });

  test("concurrent successes and failures (written in the same batches): each success has exactly its event, each failure none", async () => {
    const t = await app();
    const target = await createUser(t, "target@example.com", { title: "T0" });
    await createUser(t, "taken@example.com");
    const gid = await createGroup(t, "Fixed");
    const before = await lastSeq(t);
    const jobs: Promise<{ kind: string; status: number; body: any; requestId: string | null }>[] = [];
    const send = (kind: string, method: string, path: string, body: unknown) =>
      jobs.push(t.json(method, path, body).then((r) => ({ kind, status: r.status, body: r.body, requestId: r.headers.get("x-request-id") })));
    for (let i = 0; i < 10; i++) {
      send("create", "POST", "/scim/Users", user(`batch${i}@example.com`));
      send("badGroup", "PATCH", `/scim/Groups/${gid}`, patchOp({ op: "replace", path: "displayName", value: `Broken${i}` }, { op: "add", path: "members", value: [{ value: target }, { value: i }] }));
      send("dup", "POST", "/scim/Users", user("TAKEN@example.com"));
      if (i < 5) send("title", "PATCH", `/scim/Users/${target}`, patchOp({ op: "replace", path: "title", value: `T${i + 1}` }));
    }
    const results = await Promise.all(jobs);
    for (const r of results) expect(r.status).toBe(r.kind === "create" ? 201 : r.kind === "title" ? 200 : r.kind === "dup" ? 409 : 400);
    const events = await eventsAfter(t, before);
    expect(events.map((e) => e.type).sort()).toEqual([...Array(10).fill("user.created"), ...Array(5).fill("user.updated")].sort());
    const created = results.filter((r) => r.kind === "create");
    expect(events.filter((e) => e.type === "user.created").map((e) => e.resourceId).sort()).toEqual(created.map((r) => r.body.id).sort());
    // Each event carries the request id of the request that made it.
    const ok = results.filter((r) => r.status < 300).map((r) => r.requestId).sort();
    expect(events.map((e) => e.requestId).sort()).toEqual(ok as string[]);
    expect((await t.json("GET", `/scim/Groups/${gid}`)).body.displayName).toBe("Fixed");
    expect(await t.storage.repo.members(gid)).toEqual([]);
  });

  test("the repository rolls back the event of a transaction that throws", async () => {
    const t = await app();
    const before = await lastSeq(t);
    await expect(
      t.storage.repo.write(async (tx) => {
        await tx.appendEvent({ type: "test.dropped", time: new Date().toISOString() });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await lastSeq(t)).toBe(before);
  });

  test("reads (GET, list, search) append no event", async () => {
    const t = await app();
    const id = await createUser(t, "reader@example.com");
    const before = await lastSeq(t);
    expect((await t.json("GET", `/scim/Users/${id}`)).status).toBe(200);
    expect((await t.json("GET", "/scim/Users?filter=userName%20eq%20%22reader@example.com%22")).status).toBe(200);
    expect(await lastSeq(t)).toBe(before);
  });
});

describe("sequence", () => {
  test("seq strictly increases across a mixed workload and every change is covered", async () => {
    const t = await app();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createUser(t, `seq${i}@example.com`, { title: `T${i}` }));
    const gid = await createGroup(t, "SeqGroup", ids.slice(0, 3));
    await t.json("PATCH", `/scim/Users/${ids[0]}`, patchOp({ op: "replace", path: "title", value: "Changed" }));
    await t.json("DELETE", `/scim/Users/${ids[4]}`);
    await t.json("PATCH", `/scim/Groups/${gid}`, patchOp({ op: "replace", path: "displayName", value: "SeqGroup2" }));
    // Concurrent writes must still get distinct, increasing seqs.
    await Promise.all([5, 6, 7, 8].map((i) => t.json("POST", "/scim/Users", user(`seq${i}@example.com`))));
    const events = await allEvents(t);
    expectStrictlyIncreasing(events.map((e) => e.seq));
    const types = events.map((e) => e.type);
    expect(types.filter((x) => x === "user.created")).toHaveLength(9);
    expect(types.filter((x) => x === "group.member_added")).toHaveLength(3);
    expect(types.filter((x) => x === "user.updated")).toHaveLength(1);
    expect(types.filter((x) => x === "user.deleted")).toHaveLength(1);
    expect(types.filter((x) => x === "group.updated")).toHaveLength(1);
    expect(types.filter((x) => x === "token.created")).toHaveLength(1);
  });
});

describe("failed requests", () => {
  const MARKER = `marker-${crypto.randomUUID()}`;

  async function failuresSince(t: TestApp, after: number) {
    return t.storage.repo.failures({ after, limit: 1000 });
  }
  async function lastFailureId(t: TestApp) {
    const all = await t.storage.repo.failures({ limit: 100_000 });
    return all.at(-1)?.id ?? 0;
  }

  test("a bad token: 401 recorded with path, status, detail; never the body, the query or the token", async () => {
    const t = await app();
    const badToken = `scimd_BADTOKEN_${MARKER}`;
    const res = await t.request("POST", `/scim/Users?q=${MARKER}`, JSON.stringify(user(`${MARKER}@example.com`, { title: MARKER })), {
      auth: badToken,
      headers: { "content-type": "application/scim+json", "x-request-id": "req-fail-401" },
    });
    expect(res.status).toBe(401);
    const rows = await waitFor(async () => {
      const r = await failuresSince(t, 0);
      return r.length ? r : null;
    }, 3000, "the failure row");
    expect(rows).toHaveLength(1);
    const f = rows[0]!;
    expect(f).toMatchObject({ method: "POST", path: "/scim/Users", status: 401, token: null, requestId: "req-fail-401" });
    expect(f.detail).toBeTruthy();
    expect(Number.isNaN(Date.parse(f.time))).toBe(false);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(MARKER);
    expect(dump).not.toContain("BADTOKEN");
    expect(dump).not.toContain("?");
  });

  test("a bad body with a good token: 400 recorded with scimType and the token name, not the body or secret", async () => {
    const t = await app();
    const start = await lastFailureId(t);
    const res = await t.request("POST", `/scim/Users?secret=${MARKER}`, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"${MARKER}",`);
    expect(res.status).toBe(400);
    const rows = await waitFor(async () => {
      const r = await failuresSince(t, start);
      return r.length ? r : null;
    }, 3000, "the failure row");
    expect(rows).toHaveLength(1);
    const f = rows[0]!;
    expect(f).toMatchObject({ method: "POST", path: "/scim/Users", status: 400, scimType: "invalidSyntax", token: "test", requestId: res.headers.get("x-request-id") });
    expect(f.detail).toBeTruthy();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(MARKER);
    expect(dump).not.toContain(t.token);
  });

  test("404, 409 uniqueness and 412 are recorded with status/scimType/detail/path; 2xx are not recorded", async () => {
    const t = await app();
    const id = await createUser(t, "exists@example.com");
    await Bun.sleep(20);
    const start = await lastFailureId(t);
    expect((await t.json("GET", `/scim/Users/${id}`)).status).toBe(200);
    expect((await t.json("GET", `/scim/Users/no-such-id?attributes=${MARKER}`)).status).toBe(404);
    expect((await t.json("POST", "/scim/Users", user("exists@example.com"))).status).toBe(409);
    expect((await t.json("PUT", `/scim/Users/${id}`, user("exists@example.com"), { headers: { "if-match": 'W/"42"' } })).status).toBe(412);
    const rows = await waitFor(async () => {
      const r = await failuresSince(t, start);
      return r.length >= 3 ? r : null;
    }, 3000, "three failure rows");
    await Bun.sleep(50);
    const final = await failuresSince(t, start);
    expect(final).toHaveLength(3);
    const byStatus = Object.fromEntries(final.map((f) => [f.status, f]));
    expect(byStatus[404]).toMatchObject({ method: "GET", path: "/scim/Users/no-such-id", token: "test" });
    expect(byStatus[409]).toMatchObject({ method: "POST", path: "/scim/Users", scimType: "uniqueness", token: "test" });
    expect(byStatus[412]).toMatchObject({ method: "PUT", path: `/scim/Users/${id}` });
    for (const f of rows) expect(f.detail).toBeTruthy();
    for (const f of final) expect(f.path).not.toContain("?");
    expect(JSON.stringify(final)).not.toContain(MARKER);
  });

  test("unknown routes and methods under /scim are recorded too", async () => {
    const t = await app();
    const a = await t.json("GET", "/scim/Nonsense");
    const b = await t.json("DELETE", "/scim/Users");
    expect(a.status).toBe(404);
    expect(b.status).toBeGreaterThanOrEqual(400);
    const rows = await waitFor(async () => {
      const r = await failuresSince(t, 0);
      return r.length >= 2 ? r : null;
    }, 3000, "two failure rows");
    expect(rows.map((f) => [f.method, f.path, f.status])).toEqual([
      ["GET", "/scim/Nonsense", 404],
      ["DELETE", "/scim/Users", b.status],
    ]);
  });

  test("a failed request appends no event", async () => {
    const t = await app();
    const before = await lastSeq(t);
    await t.json("GET", "/scim/Users/nope");
    await t.request("POST", "/scim/Users", "{not json");
    expect(await lastSeq(t)).toBe(before);
  });
});

// Entra ID re-sends the values it already provisioned on every cycle: such writes change nothing.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const user = { schemas: [USER_SCHEMA], userName: "same@contoso.com", title: "Engineer", active: true, emails: [{ type: "work", value: "same@contoso.com", primary: true }] };

test("a PATCH or PUT that changes nothing keeps the version and records no event; a real change does both", async () => {
  const created = await t.json("POST", "/scim/Users", user);
  const id = created.body.id;
  const etag = created.headers.get("etag");
  const seq = await t.storage.repo.lastSeq();

  const patch = await t.json("PATCH", `/scim/Users/${id}`, {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [
      { op: "Replace", path: "title", value: "Engineer" },
      { op: "Replace", path: "active", value: "True" },
      { op: "Replace", path: 'emails[type eq "work"].value', value: "same@contoso.com" },
    ],
  });
  expect(patch.status).toBe(200);
  expect(patch.headers.get("etag")).toBe(etag);
  const put = await t.json("PUT", `/scim/Users/${id}`, user);
  expect(put.status).toBe(200);
  expect(put.body.meta.version).toBe(etag);
  expect(await t.storage.repo.lastSeq()).toBe(seq);

  const changed = await t.json("PATCH", `/scim/Users/${id}`, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: "Replace", path: "title", value: "Lead" }] });
  expect(changed.headers.get("etag")).not.toBe(etag);
  const events = await t.storage.repo.events({ after: seq, limit: 10 });
  expect(events.map((e) => e.type)).toEqual(["user.updated"]);
  expect(events[0]!.data).toEqual({ changes: { profession: { before: "Engineer", after: "Lead" } } });
});

test("the same for a group: a PATCH or PUT that changes neither an attribute nor a member keeps the version", async () => {
  const member = (await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: "member@contoso.com" })).body.id;
  const stranger = (await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: "stranger@contoso.com" })).body.id;
  const group = { schemas: [GROUP_SCHEMA], displayName: "Same", members: [{ value: member }] };
  const created = await t.json("POST", "/scim/Groups", group);
  const id = created.body.id;
  const etag = created.headers.get("etag");
  const seq = await t.storage.repo.lastSeq();

  const noOps = [
    { op: "Add", path: "members", value: [{ value: member }] },
    { op: "Replace", path: "displayName", value: "Same" },
    { op: "Remove", path: `members[value eq "${stranger}"]` },
    { op: "Remove", path: "members", value: [{ value: stranger }] },
    { op: "Replace", value: { displayName: "Same", members: [{ value: member }] } },
  ];
  for (const op of noOps) {
    const res = await t.json("PATCH", `/scim/Groups/${id}`, { schemas: [PATCH_OP_SCHEMA], Operations: [op] });
    expect(res.status).toBe(204);
    expect(res.headers.get("etag")).toBe(etag);
  }
  const put = await t.json("PUT", `/scim/Groups/${id}`, group);
  expect(put.body.meta.version).toBe(etag);
  expect((await t.json("GET", `/scim/Groups/${id}`)).body.meta.lastModified).toBe(created.body.meta.lastModified);
  expect(await t.storage.repo.lastSeq()).toBe(seq);

  // A PUT that changes only the members is a change: a new version, one event.
  const withStranger = await t.json("PUT", `/scim/Groups/${id}`, { ...group, members: [{ value: member }, { value: stranger }] });
  expect(withStranger.body.meta.version).not.toBe(etag);
  expect((await t.storage.repo.events({ after: seq, limit: 10 })).map((e) => e.type)).toEqual(["group.member_added"]);
});

test("a group that loses a member because the member is deleted gets a new version (its ETag changes)", async () => {
  const user = (await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: "leaving@contoso.com" })).body.id;
  const inner = (await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName: "Inner" })).body.id;
  const outer = await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName: "Outer", members: [{ value: user }, { value: inner }] });
  let etag = outer.headers.get("etag")!;
  for (const [path, id] of [["Users", user], ["Groups", inner]] as const) {
    const seq = await t.storage.repo.lastSeq();
    expect((await t.request("DELETE", `/scim/${path}/${id}`)).status).toBe(204);
    const after = await t.json("GET", `/scim/Groups/${outer.body.id}`);
    expect(after.headers.get("etag")).not.toBe(etag);
    expect((await t.request("GET", `/scim/Groups/${outer.body.id}`, undefined, { headers: { "if-none-match": etag } })).status).toBe(200);
    const removed = (await t.storage.repo.events({ after: seq, limit: 10 })).filter((e) => e.type === "group.member_removed");
    expect(removed.map((e) => [e.resourceId, (e.data as { member: { id: string } }).member.id])).toEqual([[outer.body.id, id]]);
    etag = after.headers.get("etag")!;
  }
});

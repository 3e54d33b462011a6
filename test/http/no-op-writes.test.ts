// Entra ID re-sends the values it already provisioned on every cycle: such writes change nothing.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
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

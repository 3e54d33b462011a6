// A PATCH within every [limits] setting could still ask for tens of millions of comparisons (filtered operations
// over a user with thousands of values) and hold the event loop for a minute: it is a 400 tooMany instead.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const emails = Array.from({ length: 2000 }, (_, i) => ({ value: `w${i}@big.example`, type: "work" }));
const terms = [...Array.from({ length: 19 }, (_, i) => `value co "zz${i}"`), 'value eq "w1999@big.example"'].join(" or ");
const filtered = (n: number) => ({ schemas: [PATCH_OP_SCHEMA], Operations: Array.from({ length: n }, () => ({ op: "replace", path: `emails[${terms}].type`, value: "home" })) });

test("a PATCH needing more comparisons than the bound is 400 tooMany naming what to do, and nothing of it is applied", async () => {
  const created = await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: "big@example.com", emails });
  expect(created.status).toBe(201);
  const events = (await t.storage.repo.events({ limit: 1000 })).length;
  // 100 operations x 2,001 values x (20 terms + 1): some 4 million comparisons.
  const res = await t.json("PATCH", `/scim/Users/${created.body.id}`, filtered(100));
  expect(res.status).toBe(400);
  expect(res.body.scimType).toBe("tooMany");
  expect(res.body.detail).toContain("send fewer operations, or operations on fewer values");
  const after = await t.json("GET", `/scim/Users/${created.body.id}`);
  expect(after.body.meta.version).toBe(created.body.meta.version);
  expect(after.body.emails.filter((e: { type: string }) => e.type === "home")).toEqual([]);
  expect((await t.storage.repo.events({ limit: 1000 })).length).toBe(events);
  // The same kind of PATCH under the bound is applied.
  const ok = await t.json("PATCH", `/scim/Users/${created.body.id}`, filtered(10));
  expect(ok.status).toBe(200);
  expect(ok.body.emails.at(-1)).toEqual({ value: "w1999@big.example", type: "home" });
});

test("a group's filtered member operations share the bound: 400 tooMany with nothing applied; removals by id are not counted", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 1500; i++) ids.push((await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: `m${i}@example.com` })).body.id);
  const group = await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName: "Big", members: ids.map((value) => ({ value })) });
  expect(group.status).toBe(201);
  const terms = Array.from({ length: 20 }, (_, i) => `display co "zz${i}"`).join(" or ");
  // 200 operations x 1,501 members x 21: some 6 million comparisons, each operation reading every member.
  const costly = { schemas: [PATCH_OP_SCHEMA], Operations: Array.from({ length: 200 }, () => ({ op: "remove", path: `members[${terms}]` })) };
  const res = await t.json("PATCH", `/scim/Groups/${group.body.id}`, costly);
  expect(res.status).toBe(400);
  expect(res.body.scimType).toBe("tooMany");
  expect(await t.storage.repo.memberCount(group.body.id)).toBe(1500);
  // Entra's own form, a thousand removals by id, is index lookups: not counted, and applied.
  const byId = { schemas: [PATCH_OP_SCHEMA], Operations: ids.slice(0, 1000).map((id) => ({ op: "remove", path: `members[value eq "${id}"]` })) };
  expect((await t.request("PATCH", `/scim/Groups/${group.body.id}`, byId)).status).toBeLessThan(300);
  expect(await t.storage.repo.memberCount(group.body.id)).toBe(500);
});

// Races on one resource: concurrent creates of one userName and concurrent PATCHes with one If-Match.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ERROR_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("concurrent creates of one userName", () => {
  for (const [label, variant] of [
    ["same case", (_i: number) => "race@example.com"],
    ["names that differ only in case", (i: number) => (i % 2 ? "Race2@Example.com" : "race2@example.COM")],
  ] as const) {
    test(`50 POSTs, ${label}: exactly one 201 and 49 409 uniqueness, never a 500`, async () => {
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) => t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: variant(i), active: true })),
      );
      const statuses = replies.map((r) => r.status);
      expect(statuses.filter((s) => s === 201).length).toBe(1);
      expect(statuses.filter((s) => s === 409).length).toBe(49);
      for (const r of replies.filter((r) => r.status === 409)) {
        expect(r.body.schemas).toEqual([ERROR_SCHEMA]);
        expect(r.body.status).toBe("409");
        expect(r.body.scimType).toBe("uniqueness");
      }
      const list = await t.json("GET", `/scim/Users?filter=${encodeURIComponent(`userName eq "${variant(0)}"`)}`);
      expect(list.body.totalResults).toBe(1);
    });
  }
});

describe("concurrent PATCHes with one If-Match", () => {
  test("exactly one 200, the others 412 with the Error schema", async () => {
    const created = await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: "etag-race@example.com", title: "start" });
    expect(created.status).toBe(201);
    const etag = created.headers.get("etag")!;
    expect(etag).toBeTruthy();
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.json("PATCH", `/scim/Users/${created.body.id}`, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: "replace", path: "title", value: `t${i}` }] }, { headers: { "if-match": etag } }),
      ),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBe(1);
    expect(statuses.filter((s) => s === 412).length).toBe(29);
    for (const r of replies.filter((r) => r.status === 412)) {
      expect(r.body.schemas).toEqual([ERROR_SCHEMA]);
      expect(r.body.status).toBe("412");
    }
    const winner = replies.find((r) => r.status === 200)!;
    const now = await t.json("GET", `/scim/Users/${created.body.id}`);
    expect(now.body.title).toBe(winner.body.title);
    expect(now.headers.get("etag")).toBe(winner.headers.get("etag"));
    expect(now.headers.get("etag")).not.toBe(etag);
  });

  test("concurrent PATCHes without If-Match all succeed and each bumps the version once", async () => {
    const created = await t.json("POST", "/scim/Users", { schemas: [USER_SCHEMA], userName: "no-etag-race@example.com" });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.json("PATCH", `/scim/Users/${created.body.id}`, { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: "replace", path: "title", value: `t${i}` }] })),
    );
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    const versions = new Set(replies.map((r) => r.headers.get("etag")));
    expect(versions.size).toBe(20);
  });
});

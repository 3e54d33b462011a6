// A full disk (simulated with SQLite's max_page_count, which fails a write exactly as a full disk does:
// SQLITE_FULL) is a SCIM 503 with Retry-After that says what is wrong, never a 500; nothing of the failed
// request is kept, and writes succeed again once there is room.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ERROR_SCHEMA } from "../../src/core/schema/urns.ts";
import type { SqliteRepository } from "../../src/storage/repository.ts";
import { asStorageError } from "../../src/storage/storage-errors.ts";
import { StorageUnavailable } from "../../src/core/repository.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const writer = () => (t.storage.repo as SqliteRepository).writer;
const user = (userName: string) => ({ schemas: [USER], userName, displayName: "x".repeat(3000), emails: [{ type: "work", value: userName }] });

test("writes on a full disk are 503 with Retry-After and leave nothing behind; they succeed again once there is room", async () => {
  const existing = await t.json("POST", "/scim/Users", user("kept@example.com"));
  expect(existing.status).toBe(201);
  const pages = (writer().query("PRAGMA page_count").get() as { page_count: number }).page_count;
  writer().exec(`PRAGMA max_page_count = ${pages + 3}`);
  let refused: { status: number; body: any; headers: Headers } | undefined;
  let refusedName = "";
  for (let i = 0; i < 500 && !refused; i++) {
    const r = await t.json("POST", "/scim/Users", user(`filler${i}@example.com`));
    if (r.status !== 201) (refused = r), (refusedName = `filler${i}@example.com`);
  }
  expect(refused?.status).toBe(503);
  expect(refused!.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(refused!.body.detail).toContain("disk is full");
  expect(refused!.headers.get("retry-after")).toBe("60");
  // Nothing of the refused create: no SCIM user, no directory record, no event.
  expect(await t.storage.repo.findIdByName("User", refusedName)).toBeNull();
  expect(await t.storage.repo.directoryByUsername(refusedName)).toBeNull();
  expect(await t.storage.repo.events({ limit: 10, name: refusedName })).toEqual([]);
  // A PATCH that needs room is refused the same way and changes nothing.
  const before = await t.json("GET", `/scim/Users/${existing.body.id}`);
  const patched = await t.json("PATCH", `/scim/Users/${existing.body.id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "title", value: "y".repeat(20_000) }] });
  expect(patched.status).toBe(503);
  expect((await t.json("GET", `/scim/Users/${existing.body.id}`)).body).toEqual(before.body);
  expect(t.logs.some((l) => l.includes('"level":"error"') && l.includes("The disk is full"))).toBe(true);
  // Room again: the same requests succeed.
  writer().exec("PRAGMA max_page_count = 1073741823");
  expect((await t.json("POST", "/scim/Users", user(refusedName))).status).toBe(201);
  expect((await t.json("PATCH", `/scim/Users/${existing.body.id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "title", value: "y".repeat(20_000) }] })).status).toBe(200);
});

test("the storage errors that mean 'no room' or 'the disk failed' are told apart from the others", () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  for (const code of ["SQLITE_FULL", "ENOSPC", "EDQUOT"]) expect([code, (asStorageError(err(code)) as StorageUnavailable).reason]).toEqual([code, "full"]);
  for (const code of ["SQLITE_IOERR", "SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "EIO", "SQLITE_READONLY", "EROFS"])
    expect([code, (asStorageError(err(code)) as StorageUnavailable).reason]).toEqual([code, "failed"]);
  for (const code of ["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_BUSY", "ENOENT"]) expect(asStorageError(err(code))).toBeInstanceOf(Error), expect(asStorageError(err(code))).not.toBeInstanceOf(StorageUnavailable);
  const plain = new Error("x");
  expect(asStorageError(plain)).toBe(plain);
});

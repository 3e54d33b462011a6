// GET /admin/events: the change feed for applications that poll, reachable only with admin-scope tokens,
// while admin tokens cannot provision.
import { afterEach, describe, expect, test } from "bun:test";
import { generateSecret, hashSecret } from "../../src/core/tokens.ts";
import { ERROR_SCHEMA } from "../../src/core/schema/urns.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { allEvents, expectStrictlyIncreasing, group, lastSeq, patchOp, user } from "./helpers.ts";

const apps: TestApp[] = [];
afterEach(() => {
  for (const t of apps.splice(0)) t.close();
});

async function setup(): Promise<{ t: TestApp; admin: string }> {
  const t = await createTestApp();
  apps.push(t);
  const admin = generateSecret();
  await t.storage.tokens.create("feed-reader", hashSecret(admin), "admin", new Date().toISOString(), null);
  return { t, admin };
}

/** A workload of 12+ events. */
async function workload(t: TestApp): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await t.json("POST", "/scim/Users", user(`feed${i}@example.com`, { title: "T" }));
    expect(r.status).toBe(201);
    ids.push(r.body.id);
  }
  const g = await t.json("POST", "/scim/Groups", group("Feed", { members: ids.slice(0, 3).map((value) => ({ value })) }));
  expect(g.status).toBe(201);
  expect((await t.json("PATCH", `/scim/Users/${ids[0]}`, patchOp({ op: "replace", path: "title", value: "U" }))).status).toBe(200);
  expect((await t.json("DELETE", `/scim/Users/${ids[4]}`)).status).toBe(204);
}

const feed = (t: TestApp, admin: string, query: string) => t.json("GET", `/admin/events${query}`, undefined, { auth: admin });

describe("GET /admin/events", () => {
  test("without parameters: every event in order, in the public shape, with next = the last seq", async () => {
    const { t, admin } = await setup();
    await workload(t);
    const r = await feed(t, admin, "");
    expect(r.status).toBe(200);
    const stored = await allEvents(t);
    expect(r.body.events.map((e: any) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(r.body.next).toBe(stored.at(-1)!.seq);
    const created = r.body.events.find((e: any) => e.type === "user.created");
    expect(Object.keys(created).sort()).toEqual(["data", "name", "requestId", "resourceId", "resourceType", "seq", "time", "token", "type"].sort());
    expect(created.token).toBe("test");
    const updated = r.body.events.find((e: any) => e.type === "user.updated");
    expect(updated.data).toEqual({ changes: { profession: { before: "T", after: "U" } } });
  });

  test("paging with after and limit visits every event exactly once, in order, and ends with an empty page whose next = after", async () => {
    const { t, admin } = await setup();
    await workload(t);
    const stored = await allEvents(t);
    expect(stored.length).toBeGreaterThan(10);
    const seen: number[] = [];
    let after = 0;
    let pages = 0;
    for (;;) {
      const r = await feed(t, admin, `?after=${after}&limit=3`);
      expect(r.status).toBe(200);
      const seqs = r.body.events.map((e: any) => e.seq) as number[];
      expect(seqs.length).toBeLessThanOrEqual(3);
      for (const s of seqs) expect(s).toBeGreaterThan(after);
      if (seqs.length === 0) {
        expect(r.body.next).toBe(after);
        break;
      }
      expect(r.body.next).toBe(seqs.at(-1)!);
      seen.push(...seqs);
      after = r.body.next;
      pages++;
      expect(pages).toBeLessThan(100);
    }
    expect(seen).toEqual(stored.map((e) => e.seq));
    expectStrictlyIncreasing(seen);
    expect(pages).toBe(Math.ceil(stored.length / 3));
  });

  test("a cursor in the middle returns only later events; new changes show up after the last cursor", async () => {
    const { t, admin } = await setup();
    await workload(t);
    const stored = await allEvents(t);
    const mid = stored[5]!.seq;
    const r = await feed(t, admin, `?after=${mid}&limit=1000`);
    expect(r.body.events.map((e: any) => e.seq)).toEqual(stored.filter((e) => e.seq > mid).map((e) => e.seq));
    const cursor = r.body.next;
    expect((await feed(t, admin, `?after=${cursor}`)).body.events).toEqual([]);
    const created = await t.json("POST", "/scim/Users", user("late@example.com"));
    const next = await feed(t, admin, `?after=${cursor}`);
    expect(next.body.events.map((e: any) => [e.type, e.resourceId])).toEqual([["user.created", created.body.id]]);
    expect(next.body.next).toBe(await lastSeq(t));
  });

  test("limit is capped at 1000 and limit=0 returns nothing", async () => {
    const { t, admin } = await setup();
    await workload(t);
    const zero = await feed(t, admin, "?after=0&limit=0");
    expect(zero.status).toBe(200);
    expect(zero.body.events).toEqual([]);
    expect(zero.body.next).toBe(0);
    const big = await feed(t, admin, "?limit=100000");
    expect(big.status).toBe(200);
    expect(big.body.events.length).toBe((await allEvents(t)).length);
  });

  test("a bad cursor or limit is a 400 with a SCIM error body", async () => {
    const { t, admin } = await setup();
    for (const q of ["?after=-1", "?after=abc", "?limit=1.5", "?after=1e300", "?after=0x10", "?after=99999999999999999999", "?limit=9007199254740993"]) {
      const r = await feed(t, admin, q);
      expect(r.status).toBe(400);
      expect(r.body.schemas).toEqual([ERROR_SCHEMA]);
      expect(r.body.detail).toBeTruthy();
    }
  });

  test("type filter: user.* returns only user events", async () => {
    const { t, admin } = await setup();
    await workload(t);
    const r = await feed(t, admin, "?type=user.*");
    expect(r.status).toBe(200);
    expect(r.body.events.length).toBeGreaterThan(0);
    for (const e of r.body.events) expect(e.type.startsWith("user.")).toBe(true);
    expect(r.body.events.length).toBe((await allEvents(t)).filter((e) => e.type.startsWith("user.")).length);
  });
});

describe("scope separation", () => {
  const expectScimError = (r: { status: number; body: any }) => {
    expect([401, 403]).toContain(r.status);
    expect(r.body.schemas).toEqual([ERROR_SCHEMA]);
    expect(r.body.status).toBe(String(r.status));
    expect(r.body.detail).toBeTruthy();
  };

  test("a SCIM token cannot read /admin/events or /admin/failures", async () => {
    const { t } = await setup();
    await workload(t);
    for (const path of ["/admin/events", "/admin/events?after=0&limit=10", "/admin/failures"]) {
      const r = await t.json("GET", path); // the SCIM token "test"
      expectScimError(r);
      expect(r.body.events).toBeUndefined();
      expect(r.body.failures).toBeUndefined();
    }
  });

  test("no token or an unknown token cannot read /admin/events", async () => {
    const { t } = await setup();
    expectScimError(await t.json("GET", "/admin/events", undefined, { auth: null }));
    expectScimError(await t.json("GET", "/admin/events", undefined, { auth: generateSecret() }));
  });

  test("an admin token cannot provision or read SCIM resources; nothing changes and no event is appended", async () => {
    const { t, admin } = await setup();
    const before = await lastSeq(t);
    expectScimError(await t.json("POST", "/scim/Users", user("intruder@example.com"), { auth: admin }));
    expectScimError(await t.json("POST", "/scim/v2/Groups", group("Intruders"), { auth: admin }));
    expectScimError(await t.json("GET", "/scim/Users", undefined, { auth: admin }));
    expect(await lastSeq(t)).toBe(before);
    expect(await t.storage.repo.directoryByUsername("intruder@example.com")).toBeNull();
    expect(await t.storage.repo.findIdByName("Group", "Intruders")).toBeNull();
  });

  test("the admin token reads /admin/failures, which shows the refused SCIM attempts", async () => {
    const { t, admin } = await setup();
    await t.json("POST", "/scim/Users", user("x@example.com"), { auth: admin });
    let failures: any[] = [];
    for (let i = 0; i < 100 && failures.length === 0; i++) {
      await Bun.sleep(20);
      const r = await t.json("GET", "/admin/failures", undefined, { auth: admin });
      expect(r.status).toBe(200);
      failures = r.body.failures;
    }
    expect(failures.length).toBe(1);
    expect(failures[0]).toMatchObject({ method: "POST", path: "/scim/Users" });
    expect([401, 403]).toContain(failures[0].status);
    expect(JSON.stringify(failures)).not.toContain(admin);
  });
});

// List queries whose plan scans a table run on the read thread (src/storage/read-thread.ts): the event loop
// goes on answering lookups while one runs, and the answers are the same as on the event loop.
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { ServiceUnavailableError } from "../../src/core/errors.ts";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import { USER as USER_RS } from "../../src/core/schema/registry.ts";
import { openStorage, type Storage } from "../../src/storage/open-storage.ts";
import { MAX_QUEUED, ReadThread, ReadThreadUnavailable } from "../../src/storage/read-thread.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const USERS = 2_000;
let t: TestApp;
/** The same database opened without a read thread: every query on its own event loop. */
let plain: Storage;
let someId = "";

beforeAll(async () => {
  t = await createTestApp({}, { storage: { readThread: true } });
  for (let i = 0; i < USERS; i += 100) {
    const created = await Promise.all(
      Array.from({ length: 100 }, (_, j) => {
        const n = i + j;
        return t.json("POST", "/scim/Users", {
          schemas: [USER],
          userName: `user${n}@example.com`,
          displayName: `User ${String(n).padStart(4, "0")}`,
          title: n % 3 === 0 ? "Engineer" : "Sales",
          emails: [{ type: "work", value: `user${n}@example.com`, primary: true }, { type: "home", value: `u${n}@home.example` }],
        });
      }),
    );
    someId ||= created[0]!.body.id;
  }
  plain = openStorage(t.config.storage.path, { migrate: false });
  // The thread opens its connection in the background.
  for (let i = 0; i < 200 && !(t.storage.repo as unknown as { readThread?: ReadThread }).readThread?.available; i++) await Bun.sleep(10);
}, 60_000);
afterAll(() => {
  plain.close();
  t.close();
});

/** Users whose email holds a marker of their own, created `n` at a time from number `from`; the filter that finds them. */
function markedUsers(prefix: string) {
  const marker = `${prefix}${Date.now()}`;
  const post = (from: number, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => t.json("POST", "/scim/Users", { schemas: [USER], userName: `${marker}-${from + i}@example.com`, emails: [{ value: `${marker}-${from + i}@example.com` }] })));
  return { post, filter: parseFilter(`emails.value co "${marker}"`, USER_RS) };
}

/** An `or` of 150 `co` comparisons on emails.value: a scan of every email, 150 times over. */
const costly = Array.from({ length: 150 }, (_, i) => `emails.value co "zq${i}x"`).join(" or ");

describe("the read thread", () => {
  test("while a costly filter runs on it, a lookup is answered (on the event loop it waited for the filter to end)", async () => {
    const order: string[] = [];
    const slow = t.json("GET", `/scim/Users?filter=${encodeURIComponent(costly)}`).then((r) => (order.push("costly"), r));
    // On the event loop this timer could only fire once the costly query had ended.
    await Bun.sleep(5);
    const quick = await t.json("GET", `/scim/Users/${someId}`);
    order.push("lookup");
    const res = await slow;
    expect(quick.status).toBe(200);
    expect([res.status, res.body.totalResults]).toEqual([200, 0]);
    expect(order).toEqual(["lookup", "costly"]);
  });

  test("answers what the event loop answers: filters, sorting, paging, counts", async () => {
    const queries = [
      { filter: 'title eq "Engineer"', startIndex: 1, count: 50 },
      { filter: 'title eq "Engineer"', startIndex: 601, count: 100 },
      { filter: 'emails.value co "9@home"', startIndex: 1, count: 1000 },
      { filter: 'displayName sw "User 01" or title ne "Sales"', startIndex: 3, count: 7, sortBy: "displayName", sortOrder: "descending" as const },
      { startIndex: 1, count: 10, sortBy: "emails", sortOrder: "ascending" as const },
      { filter: 'title eq "Engineer"', startIndex: 1, count: 0 },
      { filter: 'userName eq "user7@example.com"', startIndex: 1, count: 100 },
    ];
    const run = spyOn(ReadThread.prototype, "run");
    try {
      for (const q of queries) {
        const query = {
          filter: q.filter ? parseFilter(q.filter, USER_RS) : undefined,
          startIndex: q.startIndex,
          count: q.count,
          sortBy: q.sortBy,
          sortOrder: q.sortOrder,
        };
        const threaded = await t.storage.repo.list("User", query);
        const local = await plain.repo.list("User", query);
        expect([q, threaded.totalResults, threaded.resources.map((r) => r.id)]).toEqual([q, local.totalResults, local.resources.map((r) => r.id)]);
      }
      // The scans went to the thread; the lookup by userName (an index) did not.
      expect(run.mock.calls.length).toBeGreaterThanOrEqual(5);
      const before = run.mock.calls.length;
      await t.storage.repo.list("User", { filter: parseFilter('userName eq "user8@example.com"', USER_RS), startIndex: 1, count: 100 });
      expect(run.mock.calls.length).toBe(before);
    } finally {
      run.mockRestore();
    }
  });

  test("a costly filter joined to an index range (userName gt) still runs on the thread; paging through everything unsorted stays here", async () => {
    const run = spyOn(ReadThread.prototype, "run");
    try {
      // SQLite searches the userName index by a range as wide as the table: its plan says SEARCH, not SCAN.
      const ranged = parseFilter(`userName gt "a" and (${costly})`, USER_RS);
      const threaded = await t.storage.repo.list("User", { filter: ranged, startIndex: 1, count: 0 });
      expect(threaded.totalResults).toBe(0);
      expect(run.mock.calls.length).toBe(1);
      await t.storage.repo.list("User", { filter: parseFilter(`userName ge "a" and (${costly})`, USER_RS), startIndex: 1, count: 10, sortBy: "userName" });
      expect(run.mock.calls.length).toBe(2);
      // The first page of everything, and the next one from where it ended: bounded by LIMIT.
      const first = await t.storage.repo.list("User", { startIndex: 1, count: 100 });
      await t.storage.repo.list("User", { startIndex: 101, count: 100 });
      expect(first.resources).toHaveLength(100);
      expect(run.mock.calls.length).toBe(2);
    } finally {
      run.mockRestore();
    }
  });

  test("a page read on the thread carries the total of its own snapshot, not one cached before writes committed while it waited", async () => {
    const { post, filter } = markedUsers("mk");
    await post(0, 10);
    const first = await t.storage.repo.list("User", { filter, startIndex: 2, count: 1000 });
    expect([first.totalResults, first.resources.length]).toEqual([10, 9]); // and the total is cached
    // The thread is busy; the same page waits behind it while 50 more matching users are committed.
    const busy = t.storage.repo.list("User", { filter: parseFilter(costly, USER_RS), startIndex: 1, count: 0 });
    const again = t.storage.repo.list("User", { filter, startIndex: 2, count: 1000 });
    await post(10, 50);
    const page = await again;
    await busy;
    // It said 10 with 59 resources: the cached total with a newer page.
    expect([page.totalResults, page.resources.length]).toEqual([60, 59]);
  });

  test("a query the thread could not answer (it died) runs here with a fresh count, not the total cached before the wait", async () => {
    const { post, filter } = markedUsers("dd");
    await post(0, 5);
    expect((await t.storage.repo.list("User", { filter, startIndex: 2, count: 1000 })).totalResults).toBe(5); // cached
    // While the request waits for the thread, 20 more matching users are committed; then the thread dies.
    const run = spyOn(ReadThread.prototype, "run").mockImplementation(async () => {
      await post(5, 20);
      throw new ReadThreadUnavailable("failed");
    });
    try {
      const page = await t.storage.repo.list("User", { filter, startIndex: 2, count: 1000 });
      expect([page.totalResults, page.resources.length]).toEqual([25, 24]);
    } finally {
      run.mockRestore();
    }
  });

  test(`at most ${MAX_QUEUED} costly queries wait for the thread; more are a 503 with Retry-After, and lookups go on`, async () => {
    const sent = MAX_QUEUED + 3;
    const all = Array.from({ length: sent }, (_, i) => t.json("GET", `/scim/Users?count=0&startIndex=${i + 1}&filter=${encodeURIComponent(costly)}`));
    const lookup = await t.json("GET", `/scim/Users/${someId}`);
    expect(lookup.status).toBe(200);
    const answers = await Promise.all(all);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(MAX_QUEUED);
    const refused = answers.filter((a) => a.status === 503);
    expect(refused).toHaveLength(sent - MAX_QUEUED);
    for (const r of refused) {
      expect(r.headers.get("retry-after")).toBe("5");
      expect(r.body.detail).toContain("costly queries");
    }
  });

  test("a query in flight when the storage is closed (a shutdown past its drain time) fails as 503 instead of running on the event loop", async () => {
    const other = openStorage(t.config.storage.path, { migrate: false, readThread: true });
    const thread = (other.repo as unknown as { readThread: ReadThread }).readThread;
    for (let i = 0; i < 200 && !thread.available; i++) await Bun.sleep(10);
    expect(thread.available).toBe(true);
    const pending = other.repo.list("User", { filter: parseFilter(costly, USER_RS), startIndex: 1, count: 100 });
    // serve abandons the thread after its drain time; it is told a statement was running (which holds the
    // process until SQLite ends it), so that it can end the process itself.
    expect(await other.stopReads()).toBe(true);
    expect(await other.stopReads()).toBe(false);
    other.close();
    expect(await pending.then(() => null, (e: unknown) => e)).toBeInstanceOf(ServiceUnavailableError);
  });
});

// The repository contract: what every implementation of `Repository` (SQLite now, PostgreSQL later) must do,
// written against the interface alone. An implementation's test file calls runRepositoryContract with a
// factory that opens a fresh, empty, migrated store.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import type { DirectoryFields, DirectoryRecord, Repository, ResourceKind, StoredResource, WriteTx } from "../../src/core/repository.ts";
import { UniqueViolation } from "../../src/core/repository.ts";
import type { ScimResource } from "../../src/core/resource/types.ts";
import { GROUP, USER } from "../../src/core/schema/registry.ts";
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { EMPTY_FIELDS } from "../support/directory-fields.ts";

export type OpenRepository = () => Promise<{ repo: Repository; close(): void }>;

const AT = "2024-01-01T00:00:00.000Z";
const LATER = "2024-02-01T00:00:00.000Z";

let seq = 0;
const newId = (prefix: string) => `${prefix}-${(++seq).toString().padStart(6, "0")}-${crypto.randomUUID()}`;

export function userResource(userName: string, extra: Record<string, unknown> = {}, id = newId("u")): StoredResource {
  return { id, data: { schemas: [USER_SCHEMA], userName, ...extra } as ScimResource, version: 1, created: AT, lastModified: AT };
}

export function groupResource(displayName: string, extra: Record<string, unknown> = {}, id = newId("g")): StoredResource {
  return { id, data: { schemas: [GROUP_SCHEMA], displayName, ...extra } as ScimResource, version: 1, created: AT, lastModified: AT };
}

export const emptyFields: DirectoryFields = EMPTY_FIELDS;

class Boom extends Error {}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function runRepositoryContract(name: string, open: OpenRepository): void {
  describe(`Repository contract: ${name}`, () => {
    let repo: Repository;
    let close: () => void;

    beforeEach(async () => {
      const opened = await open();
      repo = opened.repo;
      close = opened.close;
    });
    afterEach(() => close());

    const insert = (kind: ResourceKind, r: StoredResource) => repo.write((tx) => tx.insert(kind, r));
    const userIds = async (filter?: string, extra: { sortBy?: string; sortOrder?: "ascending" | "descending" } = {}) =>
      (await repo.list("User", { filter: filter ? parseFilter(filter, USER) : undefined, startIndex: 1, count: 1000, ...extra })).resources.map(
        (r) => r.data.userName,
      );

    describe("users and groups: insert, get, update, delete", () => {
      test("an inserted user is read back as stored", async () => {
        const u = userResource("alice@example.com", { displayName: "Alice", active: true, emails: [{ value: "alice@example.com", type: "work" }] });
        await insert("User", u);
        expect(await repo.get("User", u.id)).toEqual(u);
      });

      test("an inserted group is read back as stored", async () => {
        const g = groupResource("Engineering", { externalId: "ext-eng" });
        await insert("Group", g);
        expect(await repo.get("Group", g.id)).toEqual(g);
      });

      test("get of an unknown id is null, and a user id is not a group id", async () => {
        const u = userResource("bob");
        await insert("User", u);
        expect(await repo.get("User", "no-such-id")).toBeNull();
        expect(await repo.get("Group", u.id)).toBeNull();
      });

      test("update replaces data, version and lastModified, and keeps created", async () => {
        const u = userResource("carol", { title: "Engineer" });
        await insert("User", u);
        const next: StoredResource = { ...u, data: { schemas: [USER_SCHEMA], userName: "carol", displayName: "Carol" }, version: 2, lastModified: LATER };
        expect(await repo.write((tx) => tx.update("User", next))).toBe(true);
        const got = await repo.get("User", u.id);
        expect(got).toEqual({ ...next, created: AT });
        expect(got!.data.title).toBeUndefined();
      });

      test("update given the previous resource keeps every lookup right, changed or not", async () => {
        const u = userResource("frank", { externalId: "ext-frank", emails: [{ type: "work", value: "frank@contoso.com" }], title: "A" });
        await insert("User", u);
        // Nothing indexed changes (Entra's usual PATCH): lookups still find the user.
        const v2: StoredResource = { ...u, data: { ...u.data, title: "B" }, version: 2, lastModified: LATER };
        expect(await repo.write((tx) => tx.update("User", v2, u))).toBe(true);
        expect(await repo.get("User", u.id)).toEqual(v2);
        for (const f of [`userName eq "FRANK"`, `externalId eq "ext-frank"`, `emails.value eq "frank@contoso.com"`]) expect(await userIds(f)).toEqual(["frank"]);
        // The email, the externalId and the userName change: old values find nothing, new ones the user.
        const v3: StoredResource = {
          ...v2,
          data: { ...v2.data, userName: "franklin", externalId: "ext-franklin", emails: [{ type: "work", value: "franklin@contoso.com" }] },
          version: 3,
        };
        expect(await repo.write((tx) => tx.update("User", v3, v2))).toBe(true);
        for (const f of [`userName eq "frank"`, `externalId eq "ext-frank"`, `emails.value eq "frank@contoso.com"`]) expect(await userIds(f)).toEqual([]);
        for (const f of [`userName eq "Franklin"`, `externalId eq "ext-franklin"`, `emails.value eq "FRANKLIN@contoso.com"`]) expect(await userIds(f)).toEqual(["franklin"]);
        expect(await repo.findIdByName("User", "FRANKLIN")).toBe(u.id);
        expect(await repo.findIdByName("User", "frank")).toBeNull();
      });

      test("update given the previous resource follows every change of the email addresses", async () => {
        const mails = (...values: string[]) => values.map((value, i) => ({ value, type: i === 0 ? "work" : "other" }));
        const finds = async (value: string) => (await userIds(`emails.value eq "${value}"`)).length === 1;
        let current: StoredResource = userResource("gina", { emails: mails("g1@x.test", "g2@x.test") });
        await insert("User", current);
        const steps: string[][] = [
          ["g1@x.test", "g3@x.test", "g4@x.test"], // one changed, one added
          ["G4@x.test"], // one kept (another case), two removed
          ["g5@x.test", "g6@x.test"], // the one left changed, one added
          [], // all removed
          ["g1@x.test"], // back again
        ];
        const seen = new Set(["g1@x.test", "g2@x.test"]);
        for (const values of steps) {
          const next: StoredResource = { ...current, data: { ...current.data, emails: mails(...values) }, version: current.version + 1 };
          expect(await repo.write((tx) => tx.update("User", next, current))).toBe(true);
          current = next;
          for (const v of values) seen.add(v.toLowerCase());
          const wanted = new Set(values.map((v) => v.toLowerCase()));
          for (const v of seen) expect([v, await finds(v)]).toEqual([v, wanted.has(v)]);
        }
      });

      test("update of a group with its previous state: a rename reaches the name lookup, a bump alone keeps it", async () => {
        const g = groupResource("Ops", { externalId: "e1" });
        await insert("Group", g);
        const bumped = { ...g, version: 2, lastModified: LATER };
        expect(await repo.write((tx) => tx.update("Group", bumped, g))).toBe(true);
        expect(await repo.get("Group", g.id)).toEqual(bumped);
        expect(await repo.findIdByName("Group", "ops")).toBe(g.id);
        const renamed = { ...bumped, data: { ...bumped.data, displayName: "Ops EMEA", externalId: "e2" }, version: 3 };
        expect(await repo.write((tx) => tx.update("Group", renamed, bumped))).toBe(true);
        expect(await repo.findIdByName("Group", "ops emea")).toBe(g.id);
        expect(await repo.findIdByName("Group", "ops")).toBeNull();
        expect((await repo.list("Group", { filter: parseFilter('externalId eq "e2"', GROUP), startIndex: 1, count: 10 })).resources.map((r) => r.id)).toEqual([g.id]);
      });

      test("update of a group replaces its data", async () => {
        const g = groupResource("Sales");
        await insert("Group", g);
        const next = { ...g, data: { schemas: [GROUP_SCHEMA], displayName: "Sales EMEA" }, version: 2, lastModified: LATER };
        expect(await repo.write((tx) => tx.update("Group", next))).toBe(true);
        expect(await repo.get("Group", g.id)).toEqual(next);
        expect(await repo.findIdByName("Group", "sales emea")).toBe(g.id);
        expect(await repo.findIdByName("Group", "Sales")).toBeNull();
      });

      test("update of an unknown id returns false and creates nothing", async () => {
        const u = userResource("ghost");
        expect(await repo.write((tx) => tx.update("User", u))).toBe(false);
        expect(await repo.get("User", u.id)).toBeNull();
        expect(await repo.write((tx) => tx.update("Group", groupResource("ghosts")))).toBe(false);
      });

      test("delete removes the resource and returns true; a second delete returns false", async () => {
        const u = userResource("dave");
        const g = groupResource("Daves");
        await insert("User", u);
        await insert("Group", g);
        expect(await repo.write((tx) => tx.delete("User", u.id))).toBe(true);
        expect(await repo.write((tx) => tx.delete("Group", g.id))).toBe(true);
        expect(await repo.get("User", u.id)).toBeNull();
        expect(await repo.get("Group", g.id)).toBeNull();
        expect(await repo.write((tx) => tx.delete("User", u.id))).toBe(false);
        expect(await repo.write((tx) => tx.delete("Group", g.id))).toBe(false);
      });

      test("a deleted user's userName can be used again", async () => {
        const u = userResource("erin");
        await insert("User", u);
        await repo.write((tx) => tx.delete("User", u.id));
        const again = userResource("ERIN");
        await insert("User", again);
        expect(await repo.findIdByName("User", "erin")).toBe(again.id);
      });
    });

    describe("findIdByName", () => {
      test("finds a user by userName without regard to case", async () => {
        const u = userResource("Frank.Miller@Example.com");
        await insert("User", u);
        for (const n of ["Frank.Miller@Example.com", "frank.miller@example.com", "FRANK.MILLER@EXAMPLE.COM"])
          expect(await repo.findIdByName("User", n)).toBe(u.id);
        expect(await repo.findIdByName("User", "frank")).toBeNull();
      });

      test("folds non-ASCII letters too", async () => {
        const u = userResource("Émile.Zoë@Example.com");
        await insert("User", u);
        expect(await repo.findIdByName("User", "émile.zoë@example.com")).toBe(u.id);
        expect(await repo.findIdByName("User", "ÉMILE.ZOË@EXAMPLE.COM")).toBe(u.id);
        await expect(insert("User", userResource("ÉMILE.ZOË@example.com"))).rejects.toBeInstanceOf(UniqueViolation);
        const res = await repo.list("User", { filter: parseFilter(`userName eq "ÉMILE.ZOË@EXAMPLE.COM"`, USER), startIndex: 1, count: 10 });
        expect(res.resources.map((r) => r.id)).toEqual([u.id]);
      });

      test("finds a group by displayName without regard to case, and never crosses kinds", async () => {
        const g = groupResource("Finance Team");
        const u = userResource("finance team");
        await insert("Group", g);
        await insert("User", u);
        expect(await repo.findIdByName("Group", "FINANCE team")).toBe(g.id);
        expect(await repo.findIdByName("User", "Finance Team")).toBe(u.id);
        expect(await repo.findIdByName("Group", "Finance")).toBeNull();
      });
    });

    describe("uniqueness", () => {
      test("a userName taken in another case: UniqueViolation from the writer, and the transaction rolled back", async () => {
        const first = userResource("grace@example.com");
        await insert("User", first);
        const other = userResource("unrelated");
        const dup = userResource("GRACE@example.com");
        let caught: unknown;
        try {
          await repo.write(async (tx) => {
            await tx.insert("User", other);
            try {
              await tx.insert("User", dup);
            } catch (e) {
              caught = e;
              throw e;
            }
          });
        } catch (e) {
          expect(e).toBeInstanceOf(UniqueViolation);
        }
        expect(caught).toBeInstanceOf(UniqueViolation);
        expect(await repo.get("User", other.id)).toBeNull();
        expect(await repo.get("User", dup.id)).toBeNull();
        expect(await repo.get("User", first.id)).toEqual(first);
      });

      test("write() rejects with the UniqueViolation itself", async () => {
        await insert("User", userResource("heidi"));
        await expect(insert("User", userResource("Heidi"))).rejects.toBeInstanceOf(UniqueViolation);
      });

      test("a group displayName taken in another case is a UniqueViolation", async () => {
        await insert("Group", groupResource("Admins"));
        await expect(insert("Group", groupResource("ADMINS"))).rejects.toBeInstanceOf(UniqueViolation);
        expect((await repo.list("Group", { startIndex: 1, count: 10 })).totalResults).toBe(1);
      });

      test("updating a user to a userName another user has (in another case) is a UniqueViolation; nothing changes", async () => {
        const a = userResource("ivan");
        const b = userResource("judy");
        await insert("User", a);
        await insert("User", b);
        const renamed = { ...b, data: { ...b.data, userName: "IVAN" }, version: 2, lastModified: LATER };
        await expect(repo.write((tx) => tx.update("User", renamed))).rejects.toBeInstanceOf(UniqueViolation);
        expect(await repo.get("User", b.id)).toEqual(b);
      });

      test("updating a group to a displayName another group has is a UniqueViolation", async () => {
        const a = groupResource("Red");
        const b = groupResource("Blue");
        await insert("Group", a);
        await insert("Group", b);
        await expect(
          repo.write((tx) => tx.update("Group", { ...b, data: { ...b.data, displayName: "rED" }, version: 2 })),
        ).rejects.toBeInstanceOf(UniqueViolation);
        expect(await repo.get("Group", b.id)).toEqual(b);
      });

      test("a user may change the case of its own userName", async () => {
        const a = userResource("kim");
        await insert("User", a);
        const next = { ...a, data: { ...a.data, userName: "Kim" }, version: 2 };
        expect(await repo.write((tx) => tx.update("User", next))).toBe(true);
        expect((await repo.get("User", a.id))!.data.userName).toBe("Kim");
      });
    });

    describe("write() transactions", () => {
      test("a throw inside write leaves no trace of the earlier writes in the same callback", async () => {
        const g = groupResource("Existing");
        const member = userResource("member");
        await insert("Group", g);
        await insert("User", member);
        const u = userResource("leo");
        const g2 = groupResource("Fresh");
        await expect(
          repo.write(async (tx) => {
            await tx.insert("User", u);
            await tx.insert("Group", g2);
            await tx.addMembers(g.id, [{ id: member.id, type: "User" }]);
            await tx.update("Group", { ...g, data: { ...g.data, displayName: "Renamed" }, version: 2 });
            await tx.insertDirectory("leo", u.id, emptyFields, AT);
            throw new Boom("stop");
          }),
        ).rejects.toBeInstanceOf(Boom);
        expect(await repo.get("User", u.id)).toBeNull();
        expect(await repo.get("Group", g2.id)).toBeNull();
        expect(await repo.get("Group", g.id)).toEqual(g);
        expect(await repo.members(g.id)).toEqual([]);
        expect(await repo.directoryByUsername("leo")).toBeNull();
      });

      test("events appended in a write are kept with it, and dropped with it when it throws", async () => {
        const base = await repo.lastSeq();
        const kept = await repo.write((tx) => tx.appendEvent({ type: "contract.kept", time: AT, name: "Kept" }));
        expect(kept).toBeGreaterThan(base);
        await expect(
          repo.write(async (tx) => {
            await tx.appendEvent({ type: "contract.dropped", time: AT, name: "Dropped" });
            throw new Boom("stop");
          }),
        ).rejects.toBeInstanceOf(Boom);
        const after = await repo.events({ after: base, limit: 100, types: ["contract.*"] });
        expect(after.map((e) => e.type)).toEqual(["contract.kept"]);
        expect(await repo.lastSeq()).toBe(kept);
      });

      test("an event is durable (durableSeq reaches it) once the write that appended it has resolved", async () => {
        const seqs = await Promise.all(["d1", "d2", "d3"].map((name) => repo.write((tx) => tx.appendEvent({ type: "contract.durable", time: AT, name }))));
        expect(await repo.durableSeq()).toBe(Math.max(...seqs));
        expect(await repo.durableSeq()).toBe(await repo.lastSeq());
      });

      test("events by type: exact types and prefixes mixed, and a list of thousands of types (one query, no depth limit)", async () => {
        const base = await repo.lastSeq();
        await repo.write(async (tx) => {
          for (const type of ["kinds.a", "kinds.b", "other.c", "kinds_x"]) await tx.appendEvent({ type, time: AT, name: "K" });
        });
        const types = async (list: string[]) => (await repo.events({ after: base, limit: 100, types: list })).map((e) => e.type);
        expect(await types(["kinds.*"])).toEqual(["kinds.a", "kinds.b"]);
        expect(await types(["kinds.b", "other.*", "kinds.b"])).toEqual(["kinds.b", "other.c"]);
        const many = [...Array.from({ length: 2000 }, (_, i) => `nope.${i}`), ...Array.from({ length: 1500 }, (_, i) => `nope${i}.*`), "kinds.a"];
        expect(await types(many)).toEqual(["kinds.a"]);
      });

      test("a failed write does not block the next one", async () => {
        await expect(repo.write(async () => Promise.reject(new Boom("x")))).rejects.toBeInstanceOf(Boom);
        const u = userResource("mallory");
        await insert("User", u);
        expect(await repo.get("User", u.id)).toEqual(u);
      });

      test("write returns the callback's value, and reads inside see the transaction's own writes", async () => {
        const u = userResource("nina");
        const seen = await repo.write(async (tx) => {
          await tx.insert("User", u);
          return { byId: await tx.get("User", u.id), byName: await tx.findIdByName("User", "NINA") };
        });
        expect(seen.byId).toEqual(u);
        expect(seen.byName).toBe(u.id);
      });

      test("50 concurrent write() calls are serialised: every read-modify-write is applied, none fails", async () => {
        const counter = groupResource("counter", { externalId: "0" });
        await insert("Group", counter);
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            repo.write(async (tx) => {
              const cur = (await tx.get("Group", counter.id))!;
              await new Promise((r) => setTimeout(r, 0));
              const n = Number(cur.data.externalId) + 1;
              await tx.update("Group", { ...cur, data: { ...cur.data, externalId: String(n) }, version: cur.version + 1 });
              await tx.insert("User", userResource(`concurrent-${i}`));
              return n;
            }),
          ),
        );
        expect(results.filter((r) => r.status === "rejected")).toEqual([]);
        const values = results.map((r) => (r as PromiseFulfilledResult<number>).value).sort((a, b) => a - b);
        expect(values).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        const final = (await repo.get("Group", counter.id))!;
        expect(final.data.externalId).toBe("50");
        expect(final.version).toBe(51);
        expect((await repo.list("User", { startIndex: 1, count: 0 })).totalResults).toBe(50);
      });

      test("reads outside write see only committed data", async () => {
        const u = userResource("olivia");
        const g = groupResource("Committed");
        await insert("Group", g);
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let inserted!: () => void;
        const didInsert = new Promise<void>((r) => (inserted = r));
        const pending = repo.write(async (tx) => {
          await tx.insert("User", u);
          await tx.update("Group", { ...g, data: { ...g.data, displayName: "Uncommitted" }, version: 2 });
          await tx.addMembers(g.id, [{ id: u.id, type: "User" }]);
          inserted();
          await gate;
        });
        await didInsert;
        expect(await repo.get("User", u.id)).toBeNull();
        expect(await repo.findIdByName("User", "olivia")).toBeNull();
        expect((await repo.get("Group", g.id))!.data.displayName).toBe("Committed");
        expect(await repo.members(g.id)).toEqual([]);
        expect((await repo.list("User", { startIndex: 1, count: 10 })).totalResults).toBe(0);
        release();
        await pending;
        expect(await repo.get("User", u.id)).toEqual(u);
        expect((await repo.get("Group", g.id))!.data.displayName).toBe("Uncommitted");
        expect((await repo.members(g.id)).map((m) => m.id)).toEqual([u.id]);
      });
    });

    describe("list", () => {
      const seed = async () => {
        const users = [
          userResource("alice", { displayName: "Alice A", active: true, title: "Engineer", emails: [{ value: "alice@contoso.com", type: "work" }] }),
          userResource("Bob", { displayName: "Bob B", active: false, externalId: "ext-bob", emails: [{ value: "bob@contoso.com", type: "work" }] }),
          userResource("carol", { displayName: "Carol C", active: true, [ENTERPRISE_USER_SCHEMA]: { department: "Sales" } }),
          userResource("dave", { active: true, title: "Engineer", [ENTERPRISE_USER_SCHEMA]: { department: "Engineering" } }),
          userResource("Eve", { externalId: "ext-eve", emails: [{ value: "eve@fabrikam.com", type: "home" }] }),
        ];
        await repo.write(async (tx) => {
          for (const u of users) await tx.insert("User", u);
        });
        return users;
      };

      test("without a filter: every user, totalResults exact", async () => {
        const users = await seed();
        const res = await repo.list("User", { startIndex: 1, count: 100 });
        expect(res.totalResults).toBe(users.length);
        expect(res.resources.map((r) => r.id).sort()).toEqual(users.map((u) => u.id).sort());
        expect(res.resources.find((r) => r.id === users[1]!.id)).toEqual(users[1]!);
      });

      const cases: [string, string[]][] = [
        [`userName eq "BOB"`, ["Bob"]],
        [`userName eq "alice"`, ["alice"]],
        [`userName sw "a"`, ["alice"]],
        [`userName co "o"`, ["Bob", "carol"]],
        [`externalId eq "ext-eve"`, ["Eve"]],
        [`externalId pr`, ["Bob", "Eve"]],
        [`active eq true`, ["alice", "carol", "dave"]],
        [`active eq false`, ["Bob"]],
        [`title eq "Engineer"`, ["alice", "dave"]],
        [`emails.value eq "BOB@contoso.com"`, ["Bob"]],
        [`emails[type eq "work" and value ew "@contoso.com"]`, ["alice", "Bob"]],
        [`emails[type eq "work"]`, ["alice", "Bob"]],
        [`${ENTERPRISE_USER_SCHEMA}:department eq "sales"`, ["carol"]],
        [`displayName pr and not (active eq false)`, ["alice", "carol"]],
        [`userName eq "alice" or userName eq "eve"`, ["alice", "Eve"]],
        [`userName eq "nobody"`, []],
      ];
      for (const [filter, expected] of cases)
        test(`filter ${filter}`, async () => {
          await seed();
          const res = await repo.list("User", { filter: parseFilter(filter, USER), startIndex: 1, count: 100 });
          expect(res.resources.map((r) => r.data.userName).sort()).toEqual([...expected].sort());
          expect(res.totalResults).toBe(expected.length);
        });

      test("group filters: displayName in any case, externalId, members.value", async () => {
        const u = userResource("member");
        const g1 = groupResource("Engineering", { externalId: "e-1" });
        const g2 = groupResource("Sales", { externalId: "e-2" });
        await repo.write(async (tx) => {
          await tx.insert("User", u);
          await tx.insert("Group", g1);
          await tx.insert("Group", g2);
          await tx.addMembers(g2.id, [{ id: u.id, type: "User" }]);
        });
        const ids = async (f: string) => (await repo.list("Group", { filter: parseFilter(f, GROUP), startIndex: 1, count: 10 })).resources.map((r) => r.id);
        expect(await ids(`displayName eq "ENGINEERING"`)).toEqual([g1.id]);
        expect(await ids(`externalId eq "e-2"`)).toEqual([g2.id]);
        expect(await ids(`members.value eq "${u.id}"`)).toEqual([g2.id]);
        expect(await ids(`members[value eq "${u.id}"]`)).toEqual([g2.id]);
      });

      test("count 0 returns totalResults and no resources", async () => {
        const users = await seed();
        const res = await repo.list("User", { startIndex: 1, count: 0 });
        expect(res).toEqual({ totalResults: users.length, resources: [] });
      });

      test("startIndex past the end returns no resources and the exact total", async () => {
        const users = await seed();
        const res = await repo.list("User", { startIndex: 50, count: 10 });
        expect(res.totalResults).toBe(users.length);
        expect(res.resources).toEqual([]);
      });

      test("a page is count resources from startIndex (1-based), total stays exact under a filter", async () => {
        await seed();
        const all = await repo.list("User", { filter: parseFilter("active eq true", USER), startIndex: 1, count: 10 });
        const page = await repo.list("User", { filter: parseFilter("active eq true", USER), startIndex: 2, count: 1 });
        expect(page.totalResults).toBe(3);
        expect(page.resources.map((r) => r.id)).toEqual([all.resources[1]!.id]);
      });

      test("sortBy userName ascending and descending, without regard to case", async () => {
        await seed();
        expect(await userIds(undefined, { sortBy: "userName", sortOrder: "ascending" })).toEqual(["alice", "Bob", "carol", "dave", "Eve"]);
        expect(await userIds(undefined, { sortBy: "userName", sortOrder: "descending" })).toEqual(["Eve", "dave", "carol", "Bob", "alice"]);
        expect(await userIds(undefined, { sortBy: "userName" })).toEqual(["alice", "Bob", "carol", "dave", "Eve"]);
        expect(await userIds(`active eq true`, { sortBy: "userName", sortOrder: "descending" })).toEqual(["dave", "carol", "alice"]);
      });

      test("users without a value for sortBy come last ascending and first descending (RFC 7644 §3.4.2.3)", async () => {
        await seed();
        const asc = await userIds(undefined, { sortBy: "displayName" });
        expect(asc.slice(0, 3)).toEqual(["alice", "Bob", "carol"]);
        expect(new Set(asc.slice(3))).toEqual(new Set(["dave", "Eve"]));
        const desc = await userIds(undefined, { sortBy: "displayName", sortOrder: "descending" });
        expect(new Set(desc.slice(0, 2))).toEqual(new Set(["dave", "Eve"]));
        expect(desc.slice(2)).toEqual(["carol", "Bob", "alice"]);
        expect((await userIds(undefined, { sortBy: `${ENTERPRISE_USER_SCHEMA}:department`, sortOrder: "descending" })).slice(3)).toEqual(["carol", "dave"]);
      });

      test("a multi-valued sortBy orders by the primary value, else the first (RFC 7644 §3.4.2.3)", async () => {
        // p1's smallest address sorts first, its primary one last; p3 has no primary, so its first value counts.
        await insert("User", userResource("p1", { emails: [{ value: "9@x.test", primary: true }, { value: "1@x.test" }], phoneNumbers: [{ value: "9", primary: true }, { value: "1" }] }));
        await insert("User", userResource("p2", { emails: [{ value: "5@x.test" }], phoneNumbers: [{ value: "5" }] }));
        // p3 has no primary (a later value marked primary: false, as scimd writes when it demotes one): its first counts.
        await insert("User", userResource("p3", { emails: [{ value: "7@x.test" }, { value: "2@x.test", primary: false }], phoneNumbers: [{ value: "7" }, { value: "2", primary: false }] }));
        for (const attr of ["emails", "emails.value", "phoneNumbers"]) {
          expect(await userIds(undefined, { sortBy: attr })).toEqual(["p2", "p3", "p1"]);
          expect(await userIds(undefined, { sortBy: attr, sortOrder: "descending" })).toEqual(["p1", "p3", "p2"]);
        }
      });

      test("sorting by an attribute kept only as memberships (a group's members, a user's groups) orders by its least value", async () => {
        const [a, b, c] = [userResource("m-a", {}, "id-a"), userResource("m-b", {}, "id-b"), userResource("m-c", {}, "id-c")];
        for (const u of [a, b, c]) await insert("User", u);
        const [g1, g2, g3] = [groupResource("G1", {}, "gid-1"), groupResource("G2", {}, "gid-2"), groupResource("G3", {}, "gid-3")];
        for (const g of [g1, g2, g3]) await insert("Group", g);
        // No members: last ascending, first descending (RFC 7644 §3.4.2.3), as for any missing value.
        await insert("Group", groupResource("G0", {}, "gid-0"));
        const add = (g: StoredResource, ...us: StoredResource[]) => repo.write((tx) => tx.addMembers(g.id, us.map((u) => ({ id: u.id, type: "User" as const }))));
        await add(g1, c);
        await add(g2, a, c);
        await add(g3, b);
        const groupsBy = async (sortBy: string, sortOrder?: "descending") =>
          (await repo.list("Group", { startIndex: 1, count: 10, sortBy, sortOrder })).resources.map((r) => r.data.displayName);
        // Ids compare by their bytes (SQLite's BINARY; COLLATE "C" in PostgreSQL).
        for (const attr of ["members", "members.value"]) {
          expect(await groupsBy(attr)).toEqual(["G2", "G3", "G1", "G0"]);
          expect(await groupsBy(attr, "descending")).toEqual(["G0", "G1", "G3", "G2"]);
        }
        const usersBy = (await repo.list("User", { startIndex: 1, count: 10, sortBy: "groups" })).resources.map((r) => r.data.userName);
        // a and c are in gid-1/gid-2 (least gid-1 for c, gid-2 for a), b in gid-3.
        expect(usersBy).toEqual(["m-c", "m-a", "m-b"]);
      });

      test("ancestorsOf follows nested groups upward, and ends on a cycle already stored", async () => {
        const u = userResource("deep", {}, "u-deep");
        await insert("User", u);
        const [a, b, c, d] = ["A", "B", "C", "D"].map((n) => groupResource(n, {}, `g-${n}`));
        for (const g of [a!, b!, c!, d!]) await insert("Group", g);
        const add = (g: StoredResource, id: string, type: "User" | "Group") => repo.write((tx) => tx.addMembers(g.id, [{ id, type }]));
        await add(a!, b!.id, "Group");
        await add(b!, c!.id, "Group");
        await add(c!, u.id, "User");
        await add(d!, u.id, "User");
        expect(await repo.ancestorsOf(u.id)).toEqual(new Set([a!.id, b!.id, c!.id, d!.id]));
        expect(await repo.ancestorsOf(c!.id)).toEqual(new Set([a!.id, b!.id]));
        expect(await repo.ancestorsOf(a!.id)).toEqual(new Set());
        expect(await repo.write((tx) => tx.ancestorsOf(b!.id))).toEqual(new Set([a!.id]));
        // A cycle written before it was refused: the walk still ends, and a group in it is its own ancestor.
        await add(c!, a!.id, "Group");
        expect(await repo.ancestorsOf(a!.id)).toEqual(new Set([a!.id, b!.id, c!.id]));
      });

      test("a setting is null until set, then the last value set; a failed transaction keeps the one before", async () => {
        expect(await repo.setting("k")).toBeNull();
        await repo.write((tx) => tx.setSetting("k", "one"));
        // A transaction reads its own write.
        expect(await repo.write(async (tx) => (await tx.setSetting("k", "two"), tx.setting("k")))).toBe("two");
        expect(await repo.setting("k")).toBe("two");
        await expect(repo.write(async (tx) => (await tx.setSetting("k", "three"), Promise.reject(new Error("boom"))))).rejects.toThrow("boom");
        expect(await repo.setting("k")).toBe("two");
        expect(await repo.setting("other")).toBeNull();
      });

      test("paging through 1,000 users with count 100 returns each exactly once", async () => {
        const names = Array.from({ length: 1000 }, (_, i) => `user-${String((i * 7919) % 1000).padStart(4, "0")}`);
        // The same title for all makes any order by title ambiguous; the implementation must still page stably.
        await repo.write(async (tx) => {
          for (const n of names) await tx.insert("User", userResource(n, { title: "Same" }));
        });
        for (const sort of [{}, { sortBy: "title" }, { sortBy: "userName", sortOrder: "descending" as const }]) {
          const seen: string[] = [];
          for (let start = 1; start <= 1000; start += 100) {
            const page = await repo.list("User", { startIndex: start, count: 100, ...sort });
            expect(page.totalResults).toBe(1000);
            expect(page.resources.length).toBe(100);
            seen.push(...page.resources.map((r) => r.data.userName as string));
          }
          expect(new Set(seen).size).toBe(1000);
          expect([...seen].sort()).toEqual([...names].sort());
          if ("sortBy" in sort && sort.sortBy === "userName") expect(seen).toEqual([...names].sort().reverse());
        }
      });
    });

    describe("membership", () => {
      const setup = async () => {
        const users = [userResource("m1"), userResource("m2"), userResource("m3")];
        const g = groupResource("Team");
        const nested = groupResource("Inner");
        await repo.write(async (tx) => {
          for (const u of users) await tx.insert("User", u);
          await tx.insert("Group", g);
          await tx.insert("Group", nested);
        });
        return { users, g, nested };
      };

      test("addMembers returns the ids added; adding the same members again returns []", async () => {
        const { users, g } = await setup();
        const refs = users.map((u) => ({ id: u.id, type: "User" as const }));
        expect(await repo.write((tx) => tx.addMembers(g.id, refs))).toEqual(users.map((u) => u.id));
        expect(await repo.write((tx) => tx.addMembers(g.id, refs))).toEqual([]);
        expect(await repo.memberCount(g.id)).toBe(3);
      });

      test("addMembers with some new and some present returns only the new ones", async () => {
        const { users, g } = await setup();
        await repo.write((tx) => tx.addMembers(g.id, [{ id: users[0]!.id, type: "User" }]));
        const added = await repo.write((tx) => tx.addMembers(g.id, users.map((u) => ({ id: u.id, type: "User" as const }))));
        expect(added.sort()).toEqual([users[1]!.id, users[2]!.id].sort());
      });

      test("members() lists each member with its type and display (userName or displayName)", async () => {
        const { users, g, nested } = await setup();
        await repo.write((tx) =>
          tx.addMembers(g.id, [
            { id: users[0]!.id, type: "User" },
            { id: nested.id, type: "Group" },
          ]),
        );
        const members = await repo.members(g.id);
        expect(members).toHaveLength(2);
        expect(members).toContainEqual({ id: users[0]!.id, type: "User", display: "m1" });
        expect(members).toContainEqual({ id: nested.id, type: "Group", display: "Inner" });
        expect(await repo.memberCount(g.id)).toBe(2);
      });

      test("members() display follows a rename", async () => {
        const { users, g } = await setup();
        await repo.write((tx) => tx.addMembers(g.id, [{ id: users[0]!.id, type: "User" }]));
        const u = users[0]!;
        await repo.write((tx) => tx.update("User", { ...u, data: { ...u.data, userName: "renamed" }, version: 2 }));
        expect(await repo.members(g.id)).toEqual([{ id: u.id, type: "User", display: "renamed" }]);
      });

      test("removeMembers removes exactly the given ids and returns those it removed", async () => {
        const { users, g } = await setup();
        await repo.write((tx) => tx.addMembers(g.id, users.map((u) => ({ id: u.id, type: "User" as const }))));
        const removed = await repo.write((tx) => tx.removeMembers(g.id, [users[0]!.id, users[2]!.id, "not-a-member"]));
        expect(removed.sort()).toEqual([users[0]!.id, users[2]!.id].sort());
        expect((await repo.members(g.id)).map((m) => m.id)).toEqual([users[1]!.id]);
        expect(await repo.write((tx) => tx.removeMembers(g.id, [users[0]!.id]))).toEqual([]);
      });

      test("removeMembers on one group leaves the same user in another group", async () => {
        const { users, g, nested } = await setup();
        await repo.write(async (tx) => {
          await tx.addMembers(g.id, [{ id: users[0]!.id, type: "User" }]);
          await tx.addMembers(nested.id, [{ id: users[0]!.id, type: "User" }]);
          await tx.removeMembers(g.id, [users[0]!.id]);
        });
        expect(await repo.members(g.id)).toEqual([]);
        expect((await repo.members(nested.id)).map((m) => m.id)).toEqual([users[0]!.id]);
      });

      test("removeAllMembers empties the group and returns the ids that went; other groups keep theirs", async () => {
        const { users, g, nested } = await setup();
        await repo.write(async (tx) => {
          await tx.addMembers(g.id, users.map((u) => ({ id: u.id, type: "User" as const })));
          await tx.addMembers(nested.id, [{ id: users[1]!.id, type: "User" }]);
        });
        expect((await repo.write((tx) => tx.removeAllMembers(g.id))).sort()).toEqual(users.map((u) => u.id).sort());
        expect(await repo.members(g.id)).toEqual([]);
        expect(await repo.memberCount(g.id)).toBe(0);
        expect((await repo.members(nested.id)).map((m) => m.id)).toEqual([users[1]!.id]);
        expect(await repo.write((tx) => tx.removeAllMembers(g.id))).toEqual([]);
      });

      test("groupsOf lists the direct groups of a user or group, with display, never transitive ones", async () => {
        const { users, g, nested } = await setup();
        const outer = groupResource("Outer");
        await repo.write(async (tx) => {
          await tx.insert("Group", outer);
          await tx.addMembers(nested.id, [{ id: users[0]!.id, type: "User" }]);
          await tx.addMembers(g.id, [{ id: nested.id, type: "Group" }, { id: users[0]!.id, type: "User" }]);
          await tx.addMembers(outer.id, [{ id: g.id, type: "Group" }]);
        });
        const ofUser = await repo.groupsOf(users[0]!.id);
        expect(ofUser).toHaveLength(2);
        expect(ofUser).toContainEqual({ id: g.id, type: "Group", display: "Team" });
        expect(ofUser).toContainEqual({ id: nested.id, type: "Group", display: "Inner" });
        expect(await repo.groupsOf(nested.id)).toEqual([{ id: g.id, type: "Group", display: "Team" }]);
        expect(await repo.groupsOf(users[1]!.id)).toEqual([]);
      });

      test("deleting a user removes its memberships", async () => {
        const { users, g, nested } = await setup();
        await repo.write(async (tx) => {
          await tx.addMembers(g.id, users.map((u) => ({ id: u.id, type: "User" as const })));
          await tx.addMembers(nested.id, [{ id: users[0]!.id, type: "User" }]);
        });
        await repo.write((tx) => tx.delete("User", users[0]!.id));
        expect((await repo.members(g.id)).map((m) => m.id).sort()).toEqual([users[1]!.id, users[2]!.id].sort());
        expect(await repo.members(nested.id)).toEqual([]);
        expect(await repo.memberCount(g.id)).toBe(2);
        expect(await repo.groupsOf(users[0]!.id)).toEqual([]);
      });

      test("deleting a group removes its own members and its membership in other groups", async () => {
        const { users, g, nested } = await setup();
        await repo.write(async (tx) => {
          await tx.addMembers(nested.id, [{ id: users[0]!.id, type: "User" }]);
          await tx.addMembers(g.id, [{ id: nested.id, type: "Group" }, { id: users[1]!.id, type: "User" }]);
        });
        await repo.write((tx) => tx.delete("Group", nested.id));
        expect(await repo.groupsOf(users[0]!.id)).toEqual([]);
        expect(await repo.members(nested.id)).toEqual([]);
        expect(await repo.memberCount(nested.id)).toBe(0);
        expect((await repo.members(g.id)).map((m) => m.id)).toEqual([users[1]!.id]);
      });
    });

    describe("existing()", () => {
      test("says which ids exist and as what, with display", async () => {
        const u = userResource("pat");
        const g = groupResource("Pats");
        await insert("User", u);
        await insert("Group", g);
        const found = await repo.existing([u.id, g.id, "missing", u.id]);
        expect(found.size).toBe(2);
        expect(found.get(u.id)).toEqual({ id: u.id, type: "User", display: "pat" });
        expect(found.get(g.id)).toEqual({ id: g.id, type: "Group", display: "Pats" });
        expect(found.has("missing")).toBe(false);
        expect((await repo.existing([])).size).toBe(0);
      });

      test("handles more ids than fit in one SQL statement", async () => {
        const users = Array.from({ length: 1200 }, (_, i) => userResource(`bulk-${i}`));
        await repo.write(async (tx) => {
          for (const u of users) await tx.insert("User", u);
        });
        const ids = [...users.map((u) => u.id), ...Array.from({ length: 300 }, (_, i) => `nope-${i}`)];
        const found = await repo.existing(ids);
        expect(found.size).toBe(1200);
        expect(users.every((u) => found.get(u.id)?.type === "User")).toBe(true);
      });
    });

    describe("directory records", () => {
      const fields: DirectoryFields = {
        active: true,
        description: "Quinn Q",
        profession: "Engineer",
        email: "quinn@example.com",
        firstName: "Quinn",
        lastName: "Q",
        phone: "+1 555 0100",
        mobile: "+1 555 0101",
        employeeCode: "E-7",
        department: "Engineering",
        company: "Contoso",
        site: "Paris",
      };
      const withUser = async (userName: string) => {
        const u = userResource(userName);
        await insert("User", u);
        return u;
      };

      test("insertDirectory returns the record, readable by username (any case) and by scimId", async () => {
        const u = await withUser("Quinn@Example.com");
        const rec = await repo.write((tx) => tx.insertDirectory("Quinn@Example.com", u.id, fields, AT));
        const expected: Omit<DirectoryRecord, "id"> = { ...fields, scimId: u.id, username: "Quinn@Example.com", deleted: false, createdAt: AT, updatedAt: AT };
        expect(rec).toMatchObject(expected);
        expect(typeof rec.id).toBe("number");
        expect(await repo.directoryByUsername("quinn@example.com")).toEqual(rec);
        expect(await repo.directoryByUsername("QUINN@EXAMPLE.COM")).toEqual(rec);
        expect(await repo.directoryByScimId(u.id)).toEqual(rec);
        expect(await repo.directoryByUsername("nobody")).toBeNull();
        expect(await repo.directoryByScimId("nope")).toBeNull();
      });

      test("a record carries exactly the DirectoryRecord fields, no storage columns", async () => {
        const u = await withUser("keys");
        const rec = await repo.write((tx) => tx.insertDirectory("keys", u.id, fields, AT));
        const keys = ["id", "scimId", "username", ...Object.keys(fields), "deleted", "createdAt", "updatedAt"].sort();
        expect(Object.keys(rec).sort()).toEqual(keys);
        expect(Object.keys((await repo.directoryByUsername("keys"))!).sort()).toEqual(keys);
        expect(Object.keys((await repo.directoryByScimId(u.id))!).sort()).toEqual(keys);
        expect(Object.keys(await repo.write((tx) => tx.updateDirectory(rec, { site: "Lyon" }, LATER))).sort()).toEqual(keys);
        for await (const r of repo.listDirectory()) expect(Object.keys(r).sort()).toEqual(keys);
      });

      test("a second record with the same username in another case is a UniqueViolation", async () => {
        const a = await withUser("rose");
        const b = await withUser("other-rose");
        await repo.write((tx) => tx.insertDirectory("rose", a.id, fields, AT));
        await expect(repo.write((tx) => tx.insertDirectory("ROSE", b.id, fields, AT))).rejects.toBeInstanceOf(UniqueViolation);
      });

      test("updateDirectory changes only the given fields and updatedAt", async () => {
        const u = await withUser("sam");
        const rec = await repo.write((tx) => tx.insertDirectory("sam", u.id, fields, AT));
        const next = await repo.write((tx) => tx.updateDirectory(rec, { department: "Sales", phone: null }, LATER));
        expect(next).toEqual({ ...rec, department: "Sales", phone: null, updatedAt: LATER });
        expect(await repo.directoryByUsername("sam")).toEqual(next);
      });

      test("updateDirectory can rename (found by the new name, not the old), mark deleted and detach the SCIM id", async () => {
        const u = await withUser("tom");
        const rec = await repo.write((tx) => tx.insertDirectory("tom", u.id, fields, AT));
        const renamed = await repo.write((tx) => tx.updateDirectory(rec, { username: "Thomas" }, LATER));
        expect(await repo.directoryByUsername("tom")).toBeNull();
        expect((await repo.directoryByUsername("thomas"))!.id).toBe(rec.id);
        expect(await repo.directoryByUsername("thomas")).toEqual(renamed);
        const gone = await repo.write((tx) => tx.updateDirectory(renamed, { active: false, deleted: true, scimId: null }, LATER));
        expect(await repo.directoryByUsername("thomas")).toEqual(gone);
        expect(gone).toMatchObject({ id: rec.id, username: "Thomas", active: false, deleted: true, scimId: null });
        expect(await repo.directoryByScimId(u.id)).toBeNull();
      });

      test("a renamed record colliding with another username is a UniqueViolation", async () => {
        const a = await withUser("uma");
        const b = await withUser("vic");
        await repo.write((tx) => tx.insertDirectory("uma", a.id, fields, AT));
        const rb = await repo.write((tx) => tx.insertDirectory("vic", b.id, fields, AT));
        await expect(repo.write((tx) => tx.updateDirectory(rb, { username: "UMA" }, LATER))).rejects.toBeInstanceOf(UniqueViolation);
        expect((await repo.directoryByUsername("vic"))!.id).toBe(rb.id);
      });

      test("a record outlives its SCIM user when detached, and can be re-attached to a new one", async () => {
        const u = await withUser("wendy");
        const rec = await repo.write((tx) => tx.insertDirectory("wendy", u.id, fields, AT));
        await repo.write(async (tx) => {
          await tx.updateDirectory(rec, { active: false, deleted: true, scimId: null }, LATER);
          await tx.delete("User", u.id);
        });
        expect(await repo.directoryByUsername("wendy")).toMatchObject({ id: rec.id, deleted: true, active: false, scimId: null });
        const again = await withUser("Wendy");
        const detached = (await repo.directoryByUsername("wendy"))!;
        await repo.write((tx) => tx.updateDirectory(detached, { scimId: again.id, deleted: false, active: true }, LATER));
        expect(await repo.directoryByScimId(again.id)).toMatchObject({ id: rec.id, deleted: false, active: true });
      });

      test("deleteDirectory removes the record", async () => {
        const u = await withUser("xena");
        const rec = await repo.write((tx) => tx.insertDirectory("xena", u.id, fields, AT));
        await repo.write((tx) => tx.deleteDirectory(rec.id));
        expect(await repo.directoryByUsername("xena")).toBeNull();
        expect(await repo.directoryByScimId(u.id)).toBeNull();
      });

      test("listDirectory skips deleted records unless includeDeleted, in id order", async () => {
        const recs: DirectoryRecord[] = [];
        for (const n of ["ya", "yb", "yc"]) {
          const u = await withUser(n);
          recs.push(await repo.write((tx) => tx.insertDirectory(n, u.id, { ...fields, description: n }, AT)));
        }
        await repo.write((tx) => tx.updateDirectory(recs[1]!, { deleted: true, active: false, scimId: null }, LATER));
        const live = await collect(repo.listDirectory());
        expect(live.map((r) => r.username)).toEqual(["ya", "yc"]);
        const all = await collect(repo.listDirectory({ includeDeleted: true }));
        expect(all.map((r) => r.username)).toEqual(["ya", "yb", "yc"]);
        expect(all[1]).toMatchObject({ deleted: true, active: false });
        expect(await collect(repo.listDirectory({ includeDeleted: false }))).toEqual(live);
      });

      test("listDirectory returns every record of a large directory exactly once", async () => {
        await repo.write(async (tx: WriteTx) => {
          for (let i = 0; i < 1234; i++) {
            const u = userResource(`dir-${i}`);
            await tx.insert("User", u);
            const rec = await tx.insertDirectory(`dir-${i}`, u.id, emptyFields, AT);
            if (i % 10 === 0) await tx.updateDirectory(rec, { deleted: true, scimId: null }, AT);
          }
        });
        const live = await collect(repo.listDirectory());
        expect(live.length).toBe(1234 - 124);
        const all = await collect(repo.listDirectory({ includeDeleted: true }));
        expect(all.length).toBe(1234);
        expect(new Set(all.map((r) => r.id)).size).toBe(1234);
      });

      test("listDirectory lets reads and writes run during a walk: later records are visited, records removed ahead are not", async () => {
        const names = Array.from({ length: 1200 }, (_, i) => `walk-${i}`);
        const ids = await repo.write(async (tx: WriteTx) => {
          const out: number[] = [];
          for (const n of names) {
            const u = userResource(n);
            await tx.insert("User", u);
            out.push((await tx.insertDirectory(n, u.id, emptyFields, AT)).id);
          }
          return out;
        });
        const seen: string[] = [];
        for await (const r of repo.listDirectory()) {
          seen.push(r.username);
          if (r.username === "walk-0") {
            // Mid-walk: a read, a new record, and the removal of one far ahead.
            expect((await repo.directoryByUsername("walk-5"))?.username).toBe("walk-5");
            const u = userResource("walk-late");
            await repo.write(async (tx: WriteTx) => {
              await tx.insert("User", u);
              await tx.insertDirectory("walk-late", u.id, emptyFields, AT);
              await tx.deleteDirectory(ids[1100]!);
            });
          }
        }
        expect(seen).toContain("walk-late");
        expect(seen).not.toContain("walk-1100");
        expect(seen.length).toBe(1200);
      });
    });
  });
}

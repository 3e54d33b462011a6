// `scimd users list|show` and `scimd groups list|show` print what the SCIM API stored.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ScimService } from "../../src/core/service.ts";
import { createLogger } from "../../src/log/logger.ts";
import { serviceOptions } from "../../src/service-options.ts";
import { openStorage } from "../../src/storage/open-storage.ts";
import { testConfig } from "../support/app.ts";
import { expectOneSentence, workspace, type Workspace } from "./cli-helpers.ts";

const ctx = { baseUrl: "http://localhost/scim", tokenName: "test" };
let ws: Workspace;
let ids: { alice: string; bob: string; team: string; empty: string };

beforeAll(async () => {
  ws = workspace(`[provisioning]\ndefault_group = "Everyone"\n[directory]\ndepartments = ["Sales"]\n`);
  const config = testConfig({ provisioning: { default_group: "Everyone" }, directory: { departments: ["Sales"], companies: [], sites: [] } }, ws.db);
  const storage = openStorage(ws.db);
  const service = new ScimService({ repo: storage.repo, options: serviceOptions(config), logger: createLogger({ write: () => {} }) });
  await service.ensureDefaultGroup();
  const alice = await service.create("User", {
    userName: "alice@contoso.com",
    displayName: "Alice Smith",
    title: "Engineer",
    name: { givenName: "Alice", familyName: "Smith" },
    emails: [{ type: "work", value: "alice@contoso.com", primary: true }],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "sales", employeeNumber: "42" },
  }, ctx);
  const bob = await service.create("User", { userName: "bob@contoso.com", active: "False" }, ctx);
  const team = await service.create("Group", { displayName: "Team", members: [{ value: alice.resource.id }, { value: bob.resource.id }] }, ctx);
  const empty = await service.create("Group", { displayName: "Empty" }, ctx);
  await service.delete("User", bob.resource.id as string, ctx);
  ids = { alice: alice.resource.id as string, bob: bob.resource.id as string, team: team.resource.id as string, empty: empty.resource.id as string };
  storage.close();
});
afterAll(() => ws.cleanup());

describe("users", () => {
  test("list --json prints every directory record with the contract's keys, deleted ones included", async () => {
    const r = await ws.run(["users", "list", "--json"]);
    expect(r.code).toBe(0);
    const users = JSON.parse(r.out.join("\n")) as Record<string, unknown>[];
    expect(users.map((u) => u.username)).toEqual(["alice@contoso.com", "bob@contoso.com"]);
    // The record's own number (README: the contract's key that never changes or is re-used).
    expect(Number.isInteger(users[0]!.id) && Number.isInteger(users[1]!.id) && users[0]!.id !== users[1]!.id).toBe(true);
    expect(users[0]).toMatchObject({
      username: "alice@contoso.com",
      active: true,
      description: "Alice Smith",
      profession: "Engineer",
      email: "alice@contoso.com",
      firstName: "Alice",
      lastName: "Smith",
      employeeCode: "42",
      department: "Sales",
      deleted: false,
      scimId: ids.alice,
    });
    expect(users[1]).toMatchObject({ username: "bob@contoso.com", active: false, deleted: true, scimId: null });
  });

  test("list prints a table with one row per user", async () => {
    const r = await ws.run(["users", "list"]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/^USERNAME\s+ACTIVE\s+DELETED\s+EMAIL/);
    expect(r.out.filter((l) => l.startsWith("alice@contoso.com"))).toHaveLength(1);
    expect(r.out.filter((l) => l.startsWith("bob@contoso.com"))).toHaveLength(1);
  });

  test("show --json finds the user without regard to case and lists its groups", async () => {
    const r = await ws.run(["users", "show", "ALICE@contoso.com", "--json"]);
    expect(r.code).toBe(0);
    const u = JSON.parse(r.out.join("\n"));
    expect(u.username).toBe("alice@contoso.com");
    expect(u.groups).toEqual(["Everyone", "Team"]);
    const list = JSON.parse((await ws.run(["users", "list", "--json"])).out.join("\n")) as { id: number; username: string }[];
    expect(u.id).toBe(list.find((x) => x.username === "alice@contoso.com")!.id);
  });

  test("show finds a user renamed in SCIM by its new userName too (the record keeps the old one with username_changes = ignore)", async () => {
    const w = workspace("");
    try {
      const storage = openStorage(w.db);
      const service = new ScimService({ repo: storage.repo, options: serviceOptions(testConfig({}, w.db)), logger: createLogger({ write: () => {} }) });
      const u = await service.create("User", { userName: "carol@contoso.com" }, ctx);
      await service.patch("User", u.resource.id as string, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "userName", value: "caroline@contoso.com" }] }, ctx);
      storage.close();
      for (const name of ["caroline@contoso.com", "carol@contoso.com"]) {
        const r = await w.run(["users", "show", name, "--json"]);
        expect(r.code).toBe(0);
        expect(JSON.parse(r.out.join("\n"))).toMatchObject({ username: "carol@contoso.com", scimId: u.resource.id });
      }
    } finally {
      w.cleanup();
    }
  });

  test("show of an unknown user exits 1 with one sentence", async () => {
    const r = await ws.run(["users", "show", "nobody@contoso.com"]);
    expect(r.code).toBe(1);
    expectOneSentence(r.err);
  });
});

describe("groups", () => {
  test("list --json prints each group with its member count", async () => {
    const r = await ws.run(["groups", "list", "--json"]);
    expect(r.code).toBe(0);
    const groups = JSON.parse(r.out.join("\n")) as { displayName: string; id: string; memberCount: number }[];
    const byName = Object.fromEntries(groups.map((g) => [g.displayName, g]));
    expect(Object.keys(byName).sort()).toEqual(["Empty", "Everyone", "Team"]);
    // bob was deleted: he left Team and Everyone.
    expect(byName.Team).toMatchObject({ id: ids.team, memberCount: 1 });
    expect(byName.Everyone!.memberCount).toBe(1);
    expect(byName.Empty!.memberCount).toBe(0);
  });

  test("show --json prints the members with their type and display", async () => {
    const r = await ws.run(["groups", "show", "team", "--json"]);
    expect(r.code).toBe(0);
    const g = JSON.parse(r.out.join("\n"));
    expect(g).toMatchObject({ displayName: "Team", id: ids.team, memberCount: 1 });
    expect(g.members).toEqual([{ id: ids.alice, type: "User", display: "alice@contoso.com" }]);
  });

  test("show prints a readable summary", async () => {
    const r = await ws.run(["groups", "show", "Team"]);
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`Team (${ids.team}): 1 member`);
    expect(r.out[1]).toContain("alice@contoso.com");
  });

  test("show of an unknown group exits 1 with one sentence; a missing name is usage (2)", async () => {
    const unknown = await ws.run(["groups", "show", "Nope"]);
    expect(unknown.code).toBe(1);
    expectOneSentence(unknown.err);
    const missing = await ws.run(["groups", "show"]);
    expect(missing.code).toBe(2);
    expectOneSentence(missing.err);
  });
});

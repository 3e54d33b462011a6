// Users through HTTP, checked against the directory record the seed's mapping keeps (README, "Integration contract").
import { afterEach, describe, expect, test } from "bun:test";
import { ENTERPRISE_USER_SCHEMA, PATCH_OP_SCHEMA, SCIMD_USER_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { ScimService } from "../../src/core/service.ts";
import { createLogger } from "../../src/log/logger.ts";
import { serviceOptions } from "../../src/service-options.ts";
import { createTestApp, testConfig, type TestApp } from "../support/app.ts";

type Overrides = Parameters<typeof createTestApp>[0];

const apps: TestApp[] = [];
async function app(overrides: Overrides = {}): Promise<TestApp> {
  const t = await createTestApp(overrides);
  apps.push(t);
  return t;
}
afterEach(() => {
  for (const t of apps.splice(0)) t.close();
});

const user = (userName: string, extra: Record<string, unknown> = {}): Record<string, any> => ({ schemas: [USER_SCHEMA], userName, ...extra });
const patchOp = (...Operations: Record<string, unknown>[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

async function create(t: TestApp, body: Record<string, unknown>): Promise<any> {
  const res = await t.json("POST", "/scim/Users", body);
  expect(res.status).toBe(201);
  return res.body;
}

function warnings(t: TestApp): { msg: string; [k: string]: unknown }[] {
  return t.logs.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
}

describe("username", () => {
  test("the directory username is the userName as sent", async () => {
    const t = await app();
    const u = await create(t, user("Alice.Smith@Contoso.com"));
    const rec = await t.storage.repo.directoryByUsername("alice.smith@contoso.com");
    expect(rec).toMatchObject({ username: "Alice.Smith@Contoso.com", scimId: u.id, active: true, deleted: false });
  });

  test("a second POST with the same userName in another case is 409 uniqueness", async () => {
    const t = await app();
    await create(t, user("bob@contoso.com"));
    const res = await t.json("POST", "/scim/Users", user("BOB@Contoso.COM"));
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe("uniqueness");
    expect((await t.json("GET", "/scim/Users")).body.totalResults).toBe(1);
  });

  test("the 409 names the userName escaped, on one line, even with line separators in it", async () => {
    const t = await app();
    const name = "line\u2028two\u2029three";
    await create(t, user(name));
    const res = await t.json("POST", "/scim/Users", user(name));
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe('A user with the userName "line\\u2028two\\u2029three" already exists; choose another userName or update that user.');
  });

  test("a control character in a userName or a group's displayName is a 400 naming it, by POST, PUT and PATCH", async () => {
    const t = await app();
    const u = await create(t, user("clean@contoso.com"));
    const g = (await t.json("POST", "/scim/Groups", { displayName: "Clean" })).body;
    // C1 controls too: U+0085 is a line break to some parsers (it was stored).
    for (const name of ["a\u0000b", "line\nbreak", "tab\there", "del\u007f", "nel\u0085", "csi\u009b"]) {
      const post = await t.json("POST", "/scim/Users", user(name));
      expect([post.status, post.body.scimType]).toEqual([400, "invalidValue"]);
      expect(post.body.detail).toStartWith("The userName contains a control character (");
      // The character is named escaped, C1 ones too (JSON.stringify left them bare, an invisible "()").
      expect(post.body.detail).toMatch(/control character \("(\\u00[0-9a-f]{2}|\\[nt])"\)/);
      expect((await t.json("PUT", `/scim/Users/${u.id}`, user(name))).status).toBe(400);
      expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: name }))).status).toBe(400);
      expect((await t.json("POST", "/scim/Groups", { displayName: name })).status).toBe(400);
      expect((await t.json("PATCH", `/scim/Groups/${g.id}`, patchOp({ op: "replace", path: "displayName", value: name }))).status).toBe(400);
    }
    expect((await t.json("GET", `/scim/Users/${u.id}`)).body.userName).toBe("clean@contoso.com");
    expect((await t.json("GET", "/scim/Users")).body.totalResults).toBe(1);
  });

  test("a name with a control character stored by an earlier version does not make later updates fail while it is kept", async () => {
    const t = await app();
    const u = await create(t, user("legacy@contoso.com"));
    const g = (await t.json("POST", "/scim/Groups", { displayName: "Legacy" })).body;
    // As an earlier version stored them (before control characters were refused; C1 ones until now).
    await t.storage.repo.write(async (tx) => {
      const cur = (await tx.get("User", u.id))!;
      await tx.update("User", { ...cur, data: { ...cur.data, userName: "legacy\u0007@contoso.com" } });
      const grp = (await tx.get("Group", g.id))!;
      await tx.update("Group", { ...grp, data: { ...grp.data, displayName: "Legacy\u0085" } });
    });
    const disable = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "Replace", path: "active", value: "False" }));
    expect(disable.status).toBe(200);
    expect(disable.body.active).toBe(false);
    const put = await t.json("PUT", `/scim/Users/${u.id}`, user("legacy\u0007@contoso.com", { title: "Kept" }));
    expect([put.status, put.body.title]).toEqual([200, "Kept"]);
    const gp = await t.json("PATCH", `/scim/Groups/${g.id}`, patchOp({ op: "replace", path: "externalId", value: "x" }));
    expect(gp.status).toBe(204);
    // Changing the name to another with a control character is still refused.
    expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "other\u0085" }))).status).toBe(400);
  });

  const rename = async (t: TestApp, how: "PUT" | "PATCH") => {
    const u = await create(t, user("carol@contoso.com", { displayName: "Carol" }));
    const res =
      how === "PUT"
        ? await t.json("PUT", `/scim/Users/${u.id}`, user("caroline@contoso.com", { displayName: "Carol" }))
        : await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "caroline@contoso.com" }));
    return { u, res };
  };

  for (const how of ["PUT", "PATCH"] as const) {
    test(`username_changes = "ignore" (default): ${how} changing userName succeeds, the record keeps its username, a warning is logged`, async () => {
      const t = await app();
      const { u, res } = await rename(t, how);
      expect(res.status).toBe(200);
      expect(res.body.userName).toBe("caroline@contoso.com");
      const rec = await t.storage.repo.directoryByScimId(u.id);
      expect(rec!.username).toBe("carol@contoso.com");
      expect(await t.storage.repo.directoryByUsername("caroline@contoso.com")).toBeNull();
      const w = warnings(t).filter((l) => /userName change was ignored/i.test(l.msg));
      expect(w).toHaveLength(1);
      expect(w[0]).toMatchObject({ username: "carol@contoso.com", requested: "caroline@contoso.com" });
    });

    test(`username_changes = "ignore": after a ${how} rename, creating a user with the old name is a 409 that says why`, async () => {
      const t = await app();
      const { u } = await rename(t, how);
      expect((await t.json("GET", `/scim/Users?filter=${encodeURIComponent('userName eq "carol@contoso.com"')}`)).body.totalResults).toBe(0);
      const res = await t.json("POST", "/scim/Users", user("Carol@contoso.com"));
      expect(res.status).toBe(409);
      expect(res.body.scimType).toBe("uniqueness");
      expect(res.body.detail).toBe(
        `The userName "Carol@contoso.com" is still the directory username of user ${u.id}, renamed in SCIM to "caroline@contoso.com" and kept because [provisioning] username_changes = "ignore"; choose another userName.`,
      );
    });

    test(`username_changes = "reject": ${how} changing userName is 400 mutability and nothing changes`, async () => {
      const t = await app({ provisioning: { username_changes: "reject" } });
      const { u, res } = await rename(t, how);
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe("mutability");
      expect((await t.json("GET", `/scim/Users/${u.id}`)).body.userName).toBe("carol@contoso.com");
      expect((await t.storage.repo.directoryByScimId(u.id))!.username).toBe("carol@contoso.com");
    });

    test(`username_changes = "reject": ${how} changing only the case of userName is accepted; the record keeps its username`, async () => {
      const t = await app({ provisioning: { username_changes: "reject" } });
      const u = await create(t, user("ivy@contoso.com"));
      const res =
        how === "PUT"
          ? await t.json("PUT", `/scim/Users/${u.id}`, user("Ivy@Contoso.com"))
          : await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "Ivy@Contoso.com" }));
      expect(res.status).toBe(200);
      expect(res.body.userName).toBe("Ivy@Contoso.com");
      expect((await t.storage.repo.directoryByScimId(u.id))!.username).toBe("ivy@contoso.com");
    });

    test(`username_changes = "allow": ${how} changing userName changes the record's username`, async () => {
      const t = await app({ provisioning: { username_changes: "allow" } });
      const { u, res } = await rename(t, how);
      expect(res.status).toBe(200);
      const rec = await t.storage.repo.directoryByUsername("caroline@contoso.com");
      expect(rec).toMatchObject({ username: "caroline@contoso.com", scimId: u.id });
      expect(await t.storage.repo.directoryByUsername("carol@contoso.com")).toBeNull();
    });
  }

  test(`username_changes = "reject" still allows a PUT that keeps the userName`, async () => {
    const t = await app({ provisioning: { username_changes: "reject" } });
    const u = await create(t, user("dan@contoso.com"));
    const res = await t.json("PUT", `/scim/Users/${u.id}`, user("dan@contoso.com", { title: "Boss" }));
    expect(res.status).toBe(200);
    expect((await t.storage.repo.directoryByScimId(u.id))!.profession).toBe("Boss");
  });

  test("renaming a user to another user's userName (any case) is 409", async () => {
    const t = await app({ provisioning: { username_changes: "allow" } });
    await create(t, user("erin@contoso.com"));
    const u = await create(t, user("frank@contoso.com"));
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "ERIN@contoso.com" }));
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe("uniqueness");
  });

  test(`username_changes = "allow": renaming onto the name of a deleted user's record is a 409 that says so and what works; nothing changes`, async () => {
    const t = await app({ provisioning: { username_changes: "allow", delete: "deactivate" } });
    const gone = await create(t, user("gail@contoso.com"));
    expect((await t.request("DELETE", `/scim/Users/${gone.id}`)).status).toBe(204);
    const deletedRecord = (await t.storage.repo.directoryByUsername("gail@contoso.com"))!;
    expect(deletedRecord.deleted).toBe(true);
    const u = await create(t, user("hank@contoso.com", { title: "Before" }));
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "Gail@contoso.com" }, { op: "replace", path: "title", value: "After" }));
    expect(res.status).toBe(409);
    expect(res.body.scimType).toBe("uniqueness");
    expect(res.body.detail).toMatch(/deleted user's directory record.*directory usernames are unique/);
    const now = (await t.json("GET", `/scim/Users/${u.id}`)).body;
    expect([now.userName, now.title]).toEqual(["hank@contoso.com", "Before"]);
    expect((await t.storage.repo.directoryByScimId(u.id))!.username).toBe("hank@contoso.com");
    // A new user with that name (a POST) re-uses the deleted record, as documented.
    const again = await t.json("POST", "/scim/Users", user("Gail@contoso.com"));
    expect(again.status).toBe(201);
    expect((await t.storage.repo.directoryByScimId(again.body.id))!.id).toBe(deletedRecord.id);
  });
});

describe("active", () => {
  const cases: [unknown, boolean][] = [
    [true, true],
    [false, false],
    ["True", true],
    ["False", false],
    ["false", false],
  ];
  for (const [sent, expected] of cases)
    test(`POST active ${JSON.stringify(sent)} -> record active ${expected}`, async () => {
      const t = await app();
      const u = await create(t, user("gina@contoso.com", { active: sent }));
      expect(u.active).toBe(expected);
      expect((await t.storage.repo.directoryByScimId(u.id))!.active).toBe(expected);
    });

  test("the Entra fixture with string booleans is accepted", async () => {
    const t = await app();
    const body = await Bun.file(new URL("../fixtures/entra/post-user-string-booleans.json", import.meta.url)).json();
    const u = await create(t, body);
    expect(u.active).toBe(true);
    expect((await t.storage.repo.directoryByScimId(u.id))!).toMatchObject({ active: true, email: body.emails[0].value, firstName: "givenName" });
  });

  for (const [value, expected] of [["False", false], [false, false], ["True", true]] as const)
    test(`Entra PATCH replace active ${JSON.stringify(value)} -> record active ${expected}`, async () => {
      const t = await app();
      const u = await create(t, user("hank@contoso.com", { active: !expected }));
      const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "Replace", path: "active", value }));
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(expected);
      expect((await t.storage.repo.directoryByScimId(u.id))!.active).toBe(expected);
    });

  test("a PUT that leaves active out, or a PATCH removing it, does not turn a disabled user back on", async () => {
    const t = await app();
    const u = await create(t, user("jo@contoso.com", { active: false }));
    const put = await t.json("PUT", `/scim/Users/${u.id}`, user("jo@contoso.com", { title: "T" }));
    expect(put.status).toBe(200);
    // The resource says what the record says (a filter on active finds the user).
    expect(put.body.active).toBe(false);
    expect((await t.json("GET", `/scim/Users?filter=${encodeURIComponent('active eq false')}`)).body.Resources.map((r: any) => r.id)).toEqual([u.id]);
    expect((await t.storage.repo.directoryByScimId(u.id))!.active).toBe(false);
    expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "remove", path: "active" }))).status).toBe(200);
    expect((await t.storage.repo.directoryByScimId(u.id))!.active).toBe(false);
    // A new user without active is active, in the record and in the resource.
    const v = await create(t, user("kit@contoso.com"));
    expect((await t.storage.repo.directoryByScimId(v.id))!.active).toBe(true);
    expect(v.active).toBe(true);
    expect((await t.json("GET", `/scim/Users/${v.id}`)).body.active).toBe(true);
  });

  test("Entra PATCH without a path: {active: \"False\"}", async () => {
    const t = await app();
    const u = await create(t, user("ian@contoso.com", { active: true }));
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", value: { active: "False" } }));
    expect(res.status).toBe(200);
    expect((await t.storage.repo.directoryByScimId(u.id))!.active).toBe(false);
  });
});

describe("mapped fields", () => {
  const full = user("jane@contoso.com", {
    displayName: "Jane Doe",
    title: "Engineer",
    name: { givenName: "Jane", familyName: "Doe" },
    emails: [
      { value: "jane@home.example", type: "home" },
      { value: "jane.old@contoso.com", type: "work" },
      { value: "jane@contoso.com", type: "work", primary: true },
    ],
    phoneNumbers: [
      { value: "+1 555 0100", type: "work" },
      { value: "+1 555 0199", type: "mobile" },
    ],
    [ENTERPRISE_USER_SCHEMA]: { employeeNumber: "E-42", department: "engineering", organization: "CONTOSO LTD" },
    [SCIMD_USER_SCHEMA]: { site: "paris" },
  });
  const refs = { directory: { departments: ["Engineering", "Sales"], companies: ["Contoso Ltd"], sites: ["Paris", "Berlin"] } };

  test("POST maps every field; reference values stored with the configured spelling", async () => {
    const t = await app(refs);
    const u = await create(t, { ...full, schemas: [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, SCIMD_USER_SCHEMA] });
    expect(await t.storage.repo.directoryByScimId(u.id)).toMatchObject({
      username: "jane@contoso.com",
      active: true,
      description: "Jane Doe",
      profession: "Engineer",
      email: "jane@contoso.com",
      firstName: "Jane",
      lastName: "Doe",
      phone: "+1 555 0100",
      mobile: "+1 555 0199",
      employeeCode: "E-42",
      department: "Engineering",
      company: "Contoso Ltd",
      site: "Paris",
      deleted: false,
    });
  });

  test("the only work email is the email", async () => {
    const t = await app();
    const u = await create(t, user("kate@contoso.com", { emails: [{ value: "k@home.example", type: "home" }, { value: "k@contoso.com", type: "work" }] }));
    expect((await t.storage.repo.directoryByScimId(u.id))!.email).toBe("k@contoso.com");
  });

  test("Entra's path-less replace with value-path keys changes the email and phones of the record", async () => {
    const t = await app();
    const u = await create(t, user("mia@contoso.com", { emails: [{ value: "mia@contoso.com", type: "work", primary: true }] }));
    const res = await t.json(
      "PATCH",
      `/scim/Users/${u.id}`,
      patchOp({ op: "Replace", value: { 'emails[type eq "work"].value': "mia.new@contoso.com", 'phoneNumbers[type eq "mobile"].value': "+44 12" } }),
    );
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual([{ value: "mia.new@contoso.com", type: "work", primary: true }]);
    expect(await t.storage.repo.directoryByScimId(u.id)).toMatchObject({ email: "mia.new@contoso.com", mobile: "+44 12" });
    const found = await t.json("GET", `/scim/Users?filter=${encodeURIComponent('emails.value eq "mia.new@contoso.com"')}`);
    expect(found.body.totalResults).toBe(1);
  });

  test("Entra's custom extension data without its URN in schemas is accepted (scimd site, and an unknown extension)", async () => {
    const t = await app(refs);
    const res = await t.json("POST", "/scim/Users", {
      schemas: [USER_SCHEMA],
      userName: "liam@contoso.com",
      [SCIMD_USER_SCHEMA]: { site: "BERLIN" },
      "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": { customAttribute: "x" },
    });
    expect(res.status).toBe(201);
    expect((await t.storage.repo.directoryByScimId(res.body.id))!.site).toBe("Berlin");
    expect(res.body[SCIMD_USER_SCHEMA]).toEqual({ site: "BERLIN" });
  });

  test("an unknown department leaves the previous value, the request succeeds, a warning is logged, and GET still shows it", async () => {
    const t = await app(refs);
    const u = await create(t, full);
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: `${ENTERPRISE_USER_SCHEMA}:department`, value: "Marketing" }));
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE_USER_SCHEMA].department).toBe("Marketing");
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBe("Engineering");
    const w = warnings(t).filter((l) => l.msg.includes("Marketing"));
    expect(w).toHaveLength(1);
    expect(w[0]!.msg).toContain("department");
    const got = await t.json("GET", `/scim/Users/${u.id}`);
    expect(got.body[ENTERPRISE_USER_SCHEMA].department).toBe("Marketing");
    // Told once: a later PATCH of something else does not repeat it.
    expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "Later" }))).status).toBe(200);
    expect(warnings(t).filter((l) => l.msg.includes("Marketing"))).toHaveLength(1);
  });

  test("a value listed later in [directory] reaches the records at the next start (Entra does not send it again)", async () => {
    const t = await app(refs);
    const skipped = await create(t, user("pia@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Marketing", organization: "Fabrikam" } }));
    const listed = await create(t, user("quin@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "sales" }, [SCIMD_USER_SCHEMA]: { site: "paris" } }));
    const untouched = await create(t, user("rae@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Engineering" } }));
    const other = await create(t, user("sol@contoso.com", { title: "No references" }));
    expect(await t.storage.repo.directoryByScimId(skipped.id)).toMatchObject({ department: null, company: null });
    const before = await t.storage.repo.directoryByScimId(untouched.id);
    const lastSeq = (await t.storage.repo.events({ limit: 1000 })).at(-1)!.seq;
    // Restarted with Marketing and Fabrikam listed, Sales and Paris spelt anew, Engineering no longer listed.
    const lists = { departments: ["Marketing", "SALES"], companies: ["Fabrikam"], sites: ["PARIS"] };
    const restarted = new ScimService({ repo: t.storage.repo, options: serviceOptions(testConfig({ directory: lists }, t.config.storage.path)), logger: createLogger({ write: () => {} }) });
    // A batch of one user: every page boundary is crossed.
    expect(await restarted.reconcileReferences(1)).toEqual({ changed: 2, finished: true });
    expect(await t.storage.repo.directoryByScimId(skipped.id)).toMatchObject({ department: "Marketing", company: "Fabrikam" });
    expect(await t.storage.repo.directoryByScimId(listed.id)).toMatchObject({ department: "SALES", site: "PARIS" });
    // A value no longer listed is kept, as an unknown one is on an update; other records are not touched.
    expect(await t.storage.repo.directoryByScimId(untouched.id)).toEqual(before);
    expect((await t.storage.repo.directoryByScimId(other.id))!.department).toBeNull();
    const events = await t.storage.repo.events({ after: lastSeq, limit: 1000 });
    expect(events.map((e) => [e.type, e.name, e.data])).toEqual([
      ["user.updated", "pia@contoso.com", { changes: { department: { before: null, after: "Marketing" }, company: { before: null, after: "Fabrikam" } }, reason: "directory lists" }],
      ["user.updated", "quin@contoso.com", { changes: { department: { before: "Sales", after: "SALES" }, site: { before: "Paris", after: "PARIS" } }, reason: "directory lists" }],
    ]);
    // Nothing left to do: a second start changes nothing and records nothing.
    expect(await restarted.reconcileReferences()).toEqual({ changed: 0, finished: true });
    expect(await t.storage.repo.events({ after: lastSeq, limit: 1000 })).toHaveLength(2);
  });

  test('with unknown_reference = "reject" now, a value kept from an "ignore" period neither stops the run nor is applied until listed', async () => {
    const t = await app(refs);
    const u = await create(t, user("uma@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Marketing" } }));
    const rejecting = (departments: string[]) =>
      new ScimService({
        repo: t.storage.repo,
        options: serviceOptions(testConfig({ directory: { ...refs.directory, departments }, provisioning: { unknown_reference: "reject" } }, t.config.storage.path)),
        logger: createLogger({ write: () => {} }),
      });
    expect(await rejecting(["Sales"]).reconcileReferences()).toEqual({ changed: 0, finished: true });
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBeNull();
    expect(await rejecting(["Sales", "Marketing"]).reconcileReferences()).toEqual({ changed: 1, finished: true });
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBe("Marketing");
  });

  test("the users are read again only when the lists differ from those last applied; a run cut short is done again", async () => {
    const t = await app(refs);
    const u = await create(t, user("tao@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Marketing" } }));
    const withLists = (departments: string[]) =>
      new ScimService({ repo: t.storage.repo, options: serviceOptions(testConfig({ directory: { ...refs.directory, departments } }, t.config.storage.path)), logger: createLogger({ write: () => {} }) });
    // Stopped before its first page: nothing applied, nothing remembered.
    expect(await withLists(["Marketing"]).reconcileReferences(200, () => true)).toEqual({ changed: 0, finished: false });
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBeNull();
    expect(await withLists(["Marketing"]).reconcileReferences()).toEqual({ changed: 1, finished: true });
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBe("Marketing");
    // The same lists again: the users are not read (a record changed behind scimd's back stays as it is).
    const record = (await t.storage.repo.directoryByScimId(u.id))!;
    await t.storage.repo.write((tx) => tx.updateDirectory(record, { department: null }, record.updatedAt));
    expect(await withLists(["Marketing"]).reconcileReferences()).toEqual({ changed: 0, finished: true });
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBeNull();
    // Other lists: read again.
    expect(await withLists(["MARKETING"]).reconcileReferences()).toEqual({ changed: 1, finished: true });
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBe("MARKETING");
  });

  test("an unknown company and site on POST: request succeeds, fields stay null, warnings logged", async () => {
    const t = await app(refs);
    const u = await create(t, user("mia@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { organization: "Fabrikam" }, [SCIMD_USER_SCHEMA]: { site: "Mars" } }));
    expect(await t.storage.repo.directoryByScimId(u.id)).toMatchObject({ company: null, site: null });
    expect(warnings(t).map((w) => w.msg).join("\n")).toMatch(/Fabrikam[\s\S]*Mars|Mars[\s\S]*Fabrikam/);
    expect(u[ENTERPRISE_USER_SCHEMA].organization).toBe("Fabrikam");
  });

  const rejected: [string, Record<string, unknown>, string][] = [
    ["department", { [ENTERPRISE_USER_SCHEMA]: { department: "Marketing" } }, "department"],
    ["company", { [ENTERPRISE_USER_SCHEMA]: { organization: "Fabrikam" } }, "organization"],
    ["site", { [SCIMD_USER_SCHEMA]: { site: "Mars" } }, "site"],
  ];
  for (const [label, extra, attribute] of rejected)
    test(`unknown_reference = "reject": an unknown ${label} is 400 invalidValue naming "${attribute}", nothing created`, async () => {
      const t = await app({ ...refs, provisioning: { unknown_reference: "reject" } });
      const res = await t.json("POST", "/scim/Users", user("noah@contoso.com", extra));
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe("invalidValue");
      expect(res.body.detail).toContain(attribute);
      expect((await t.json("GET", "/scim/Users")).body.totalResults).toBe(0);
      expect(await t.storage.repo.directoryByUsername("noah@contoso.com")).toBeNull();
    });

  test(`unknown_reference = "reject" on PATCH: 400 and the SCIM resource is unchanged`, async () => {
    const t = await app({ ...refs, provisioning: { unknown_reference: "reject" } });
    const u = await create(t, full);
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: `${ENTERPRISE_USER_SCHEMA}:department`, value: "Marketing" }));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidValue");
    expect((await t.json("GET", `/scim/Users/${u.id}`)).body[ENTERPRISE_USER_SCHEMA].department).toBe("engineering");
  });

  test("an empty reference list accepts any value", async () => {
    const t = await app();
    const u = await create(t, user("olga@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Anything At All" } }));
    expect((await t.storage.repo.directoryByScimId(u.id))!.department).toBe("Anything At All");
    expect(warnings(t)).toEqual([]);
  });

  test("PUT re-maps the fields: removed attributes become null", async () => {
    const t = await app(refs);
    const u = await create(t, full);
    const res = await t.json("PUT", `/scim/Users/${u.id}`, user("jane@contoso.com", { title: "Manager" }));
    expect(res.status).toBe(200);
    expect(await t.storage.repo.directoryByScimId(u.id)).toMatchObject({ profession: "Manager", description: null, email: null, phone: null, department: null });
  });

  test("GET returns what was provisioned", async () => {
    const t = await app(refs);
    const u = await create(t, full);
    const got = (await t.json("GET", `/scim/Users/${u.id}`)).body;
    expect(got.userName).toBe("jane@contoso.com");
    expect(got.emails).toEqual(full.emails);
    expect(got.phoneNumbers).toEqual(full.phoneNumbers);
    expect(got[ENTERPRISE_USER_SCHEMA]).toEqual(full[ENTERPRISE_USER_SCHEMA]);
    expect(got[SCIMD_USER_SCHEMA]).toEqual({ site: "paris" });
  });
});

describe("default group", () => {
  test("new users join [provisioning] default_group, which exists from start-up", async () => {
    const t = await app({ provisioning: { default_group: "All Staff" } });
    const groups = await t.json("GET", `/scim/Groups?filter=${encodeURIComponent('displayName eq "all staff"')}`);
    expect(groups.body.totalResults).toBe(1);
    const gid = groups.body.Resources[0].id;
    const u = await create(t, user("paul@contoso.com"));
    expect(u.groups).toEqual([expect.objectContaining({ value: gid, display: "All Staff" })]);
    const g = await t.json("GET", `/scim/Groups/${gid}`);
    expect(g.body.members.map((m: any) => m.value)).toEqual([u.id]);
    // Each joining user is a new version of the group (RFC 7232 §2.1): an If-None-Match of the old one is not a 304.
    const before = groups.body.Resources[0].meta.version;
    expect(g.body.meta.version).not.toBe(before);
    expect((await t.request("GET", `/scim/Groups/${gid}`, undefined, { headers: { "if-none-match": before } })).status).toBe(200);
    await create(t, user("quinn@contoso.com"));
    expect((await t.json("GET", `/scim/Groups/${gid}`)).body.meta.version).not.toBe(g.body.meta.version);
  });

  test("a default group deleted by a client is created again for the next new user", async () => {
    const t = await app({ provisioning: { default_group: "All Staff" } });
    const first = (await t.json("GET", `/scim/Groups?filter=${encodeURIComponent('displayName eq "All Staff"')}`)).body.Resources[0].id;
    expect((await t.request("DELETE", `/scim/Groups/${first}`)).status).toBe(204);
    const u = await create(t, user("rex@contoso.com"));
    expect(u.groups).toEqual([expect.objectContaining({ display: "All Staff" })]);
    expect(u.groups[0].value).not.toBe(first);
    const g = await t.json("GET", `/scim/Groups/${u.groups[0].value}`);
    expect(g.body.members.map((m: any) => m.value)).toEqual([u.id]);
  });

  test("without a default group, users join none", async () => {
    const t = await app();
    const u = await create(t, user("quinn@contoso.com"));
    expect(u.groups).toBeUndefined();
    expect((await t.json("GET", "/scim/Groups")).body.totalResults).toBe(0);
  });
});

describe("deletion", () => {
  test(`delete = "deactivate" (default): 204, GET 404, filter misses it, record stays inactive and deleted`, async () => {
    const t = await app();
    const u = await create(t, user("rita@contoso.com"));
    const before = await t.storage.repo.directoryByScimId(u.id);
    expect((await t.request("DELETE", `/scim/Users/${u.id}`)).status).toBe(204);
    expect((await t.json("GET", `/scim/Users/${u.id}`)).status).toBe(404);
    const found = await t.json("GET", `/scim/Users?filter=${encodeURIComponent('userName eq "rita@contoso.com"')}`);
    expect(found.body.totalResults).toBe(0);
    expect(found.body.Resources).toEqual([]);
    const rec = await t.storage.repo.directoryByUsername("rita@contoso.com");
    expect(rec).toMatchObject({ id: before!.id, active: false, deleted: true });
    expect((await t.json("DELETE", `/scim/Users/${u.id}`)).status).toBe(404);
  });

  test("a later POST with the same userName in another case re-uses the record and makes it active", async () => {
    const t = await app();
    const u = await create(t, user("sara@contoso.com", { title: "Old" }));
    const first = await t.storage.repo.directoryByScimId(u.id);
    await t.request("DELETE", `/scim/Users/${u.id}`);
    const again = await create(t, user("SARA@contoso.com", { title: "New" }));
    expect(again.id).not.toBe(u.id);
    const rec = await t.storage.repo.directoryByUsername("sara@contoso.com");
    expect(rec).toMatchObject({ id: first!.id, scimId: again.id, active: true, deleted: false, profession: "New" });
    const all = [];
    for await (const r of t.storage.repo.listDirectory({ includeDeleted: true })) all.push(r);
    expect(all).toHaveLength(1);
  });

  test('re-created in another case, the re-used record takes the new case under username_changes = "allow", and keeps its own otherwise', async () => {
    for (const [mode, expected] of [["allow", "Sara.Lee@Contoso.com"], ["ignore", "sara.lee@contoso.com"], ["reject", "sara.lee@contoso.com"]] as const) {
      const t = await app({ provisioning: { username_changes: mode } });
      const u = await create(t, user("sara.lee@contoso.com"));
      await t.request("DELETE", `/scim/Users/${u.id}`);
      const again = await create(t, user("Sara.Lee@Contoso.com"));
      expect([mode, (await t.storage.repo.directoryByScimId(again.id))!.username]).toEqual([mode, expected]);
      const created = (await t.storage.repo.events({ limit: 100 })).filter((e) => e.type === "user.created").at(-1)!;
      expect([mode, created.name]).toEqual([mode, expected]);
    }
  });

  test("a re-used record keeps nothing of its past: an unknown department leaves the field empty, not the old one", async () => {
    const t = await app({ directory: { departments: ["Sales"] } });
    const u = await create(t, user("hal@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Sales", employeeNumber: "H1" } }));
    await t.request("DELETE", `/scim/Users/${u.id}`);
    await create(t, user("hal@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Marketing" } }));
    expect(await t.storage.repo.directoryByUsername("hal@contoso.com")).toMatchObject({ department: null, employeeCode: null, deleted: false });
    expect(warnings(t).map((w) => w.msg)).toContain(
      `Unknown department "Marketing" in "${ENTERPRISE_USER_SCHEMA}:department" was not applied; the field is left empty.`,
    );
  });

  test("a re-used record sent with active false stays inactive but is no longer deleted", async () => {
    const t = await app();
    const u = await create(t, user("tina@contoso.com"));
    await t.request("DELETE", `/scim/Users/${u.id}`);
    await create(t, user("tina@contoso.com", { active: false }));
    expect(await t.storage.repo.directoryByUsername("tina@contoso.com")).toMatchObject({ active: false, deleted: false });
  });

  test(`delete = "delete": the SCIM user and the record are both removed; a second DELETE is 404`, async () => {
    const t = await app({ provisioning: { delete: "delete" } });
    const u = await create(t, user("uma@contoso.com"));
    expect((await t.request("DELETE", `/scim/Users/${u.id}`)).status).toBe(204);
    expect((await t.json("GET", `/scim/Users/${u.id}`)).status).toBe(404);
    expect(await t.storage.repo.directoryByUsername("uma@contoso.com")).toBeNull();
    expect((await t.json("DELETE", `/scim/Users/${u.id}`)).status).toBe(404);
    const again = await create(t, user("uma@contoso.com"));
    expect((await t.storage.repo.directoryByUsername("uma@contoso.com"))!.scimId).toBe(again.id);
  });
});

describe("an email or phone element without an address", () => {
  test("is not stored by POST, PUT or a whole-attribute PATCH, so a primary one cannot blank the record's email or phone", async () => {
    const t = await app();
    const u = await create(t, user("noaddress@contoso.com", {
      emails: [{ type: "work", primary: true }, { value: "b@x.com", type: "work" }],
      phoneNumbers: [{ type: "work", primary: true }, { value: "+1 555 0100", type: "work" }],
    }));
    expect(u.emails).toEqual([{ value: "b@x.com", type: "work" }]);
    expect(await t.storage.repo.directoryByUsername("noaddress@contoso.com")).toMatchObject({ email: "b@x.com", phone: "+1 555 0100" });
    for (const op of [
      { op: "add", path: "emails", value: [{ type: "work", primary: true }] },
      { op: "add", path: "emails", value: [{ value: null, type: "home" }] },
      { op: "replace", path: "emails", value: [{ value: "b@x.com", type: "work" }, { type: "other", primary: true }] },
    ]) {
      const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp(op));
      expect(res.status).toBe(200);
      expect(res.body.emails).toEqual([{ value: "b@x.com", type: "work" }]);
    }
    const put = await t.json("PUT", `/scim/Users/${u.id}`, user("noaddress@contoso.com", { emails: [{ value: "b@x.com", type: "work" }, { value: null, type: "home", primary: true }] }));
    expect(put.body.emails).toEqual([{ value: "b@x.com", type: "work" }]);
    expect(await t.storage.repo.directoryByUsername("noaddress@contoso.com")).toMatchObject({ email: "b@x.com" });
  });
});

describe("ETags", () => {
  test("a PUT that sends back what a PATCH left keeps the version, whatever order the PATCH put the extensions in", async () => {
    const t = await app();
    const SITE = SCIMD_USER_SCHEMA;
    const u = await create(t, user("order@contoso.com", { schemas: [USER_SCHEMA, SITE], [SITE]: { site: "Paris" } }));
    const patched = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "add", path: `${ENTERPRISE_USER_SCHEMA}:department`, value: "Sales" }));
    expect(patched.status).toBe(200);
    const version = patched.body.meta.version;
    const before = (await t.storage.repo.events({ limit: 100 })).length;
    const put = await t.json("PUT", `/scim/Users/${u.id}`, user("order@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { department: "Sales" }, [SITE]: { site: "Paris" } }));
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe(version);
    expect((await t.storage.repo.events({ limit: 100 })).length).toBe(before);
  });

  test("meta.version is a weak ETag equal to the ETag header, and changes on update", async () => {
    const t = await app();
    const res = await t.json("POST", "/scim/Users", user("vera@contoso.com"));
    expect(res.body.meta.version).toMatch(/^W\/".+"$/);
    expect(res.headers.get("etag")).toBe(res.body.meta.version);
    const got = await t.json("GET", `/scim/Users/${res.body.id}`);
    expect(got.headers.get("etag")).toBe(res.body.meta.version);
    const put = await t.json("PUT", `/scim/Users/${res.body.id}`, user("vera@contoso.com", { title: "x" }));
    expect(put.body.meta.version).not.toBe(res.body.meta.version);
    expect(put.headers.get("etag")).toBe(put.body.meta.version);
  });

  test("If-Match mismatch on PUT, PATCH and DELETE is 412, and nothing changes", async () => {
    const t = await app();
    const u = await create(t, user("walt@contoso.com", { title: "Keep" }));
    const stale = { "if-match": 'W/"999"' };
    expect((await t.json("PUT", `/scim/Users/${u.id}`, user("walt@contoso.com", { title: "X" }), { headers: stale })).status).toBe(412);
    expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "X" }), { headers: stale })).status).toBe(412);
    expect((await t.json("DELETE", `/scim/Users/${u.id}`, undefined, { headers: stale })).status).toBe(412);
    const got = await t.json("GET", `/scim/Users/${u.id}`);
    expect(got.body.title).toBe("Keep");
    expect(got.body.meta.version).toBe(u.meta.version);
    expect((await t.storage.repo.directoryByScimId(u.id))!.deleted).toBe(false);
  });

  test("If-Match with the current ETag succeeds", async () => {
    const t = await app();
    const u = await create(t, user("xavi@contoso.com"));
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "X" }), { headers: { "if-match": u.meta.version } });
    expect(res.status).toBe(200);
    expect((await t.request("DELETE", `/scim/Users/${u.id}`, undefined, { headers: { "if-match": res.body.meta.version } })).status).toBe(204);
  });

  test("If-None-Match with the current ETag on GET is 304; with an old one, 200", async () => {
    const t = await app();
    const u = await create(t, user("yara@contoso.com"));
    const nm = await t.request("GET", `/scim/Users/${u.id}`, undefined, { headers: { "if-none-match": u.meta.version } });
    expect(nm.status).toBe(304);
    expect(await nm.text()).toBe("");
    await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "X" }));
    const changed = await t.request("GET", `/scim/Users/${u.id}`, undefined, { headers: { "if-none-match": u.meta.version } });
    expect(changed.status).toBe(200);
  });

  test("If-None-Match on PUT, PATCH and DELETE (RFC 7232 §3.2): * or the current ETag is 412 and nothing changes; an old one passes", async () => {
    const t = await app();
    const u = await create(t, user("zane@contoso.com", { title: "Keep" }));
    for (const tag of ["*", u.meta.version, `W/"1", ${u.meta.version}`]) {
      const h = { headers: { "if-none-match": tag } };
      const put = await t.json("PUT", `/scim/Users/${u.id}`, user("zane@contoso.com", { title: "X" }), h);
      expect([put.status, put.body.scimType]).toEqual([412, undefined]);
      expect(put.body.detail).toContain("If-None-Match");
      expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "X" }), h)).status).toBe(412);
      expect((await t.json("DELETE", `/scim/Users/${u.id}`, undefined, h)).status).toBe(412);
    }
    const got = await t.json("GET", `/scim/Users/${u.id}`);
    expect([got.body.title, got.body.meta.version]).toEqual(["Keep", u.meta.version]);
    // A tag of an earlier version passes: the write goes ahead.
    const first = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "New" }), { headers: { "if-none-match": 'W/"999"' } });
    expect([first.status, first.body.title]).toEqual([200, "New"]);
    const old = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "title", value: "Newer" }), { headers: { "if-none-match": u.meta.version } });
    expect([old.status, old.body.title]).toEqual([200, "Newer"]);
    // On GET a list that names the current version among others is a 304.
    const listed = await t.request("GET", `/scim/Users/${u.id}`, undefined, { headers: { "if-none-match": `${u.meta.version}, ${old.body.meta.version}` } });
    expect(listed.status).toBe(304);
  });

  test("If-Match on GET (RFC 7232 §3.1): another version is 412, the current one or * is 200; If-Match is checked before If-None-Match", async () => {
    const t = await app();
    const u = await create(t, user("zora@contoso.com"));
    const stale = await t.json("GET", `/scim/Users/${u.id}`, undefined, { headers: { "if-match": 'W/"999"' } });
    expect([stale.status, stale.body.schemas]).toEqual([412, ["urn:ietf:params:scim:api:messages:2.0:Error"]]);
    expect((await t.request("GET", `/scim/Users/${u.id}`, undefined, { headers: { "if-match": u.meta.version } })).status).toBe(200);
    expect((await t.request("GET", `/scim/Users/${u.id}`, undefined, { headers: { "if-match": "*" } })).status).toBe(200);
    expect((await t.request("GET", `/scim/Users/${u.id}`, undefined, { headers: { "if-match": 'W/"999"', "if-none-match": u.meta.version } })).status).toBe(412);
    expect((await t.request("GET", "/scim/Users/no-such-id", undefined, { headers: { "if-match": 'W/"1"' } })).status).toBe(404);
  });
});

describe("input", () => {
  test("a password sent by POST, PUT or PATCH is accepted and never stored, returned or found", async () => {
    const t = await app();
    const u = await create(t, user("pat@contoso.com", { password: "pw1" }));
    expect(u.password).toBeUndefined();
    expect((await t.json("PUT", `/scim/Users/${u.id}`, user("pat@contoso.com", { password: "pw2" }))).body.password).toBeUndefined();
    for (const op of [{ op: "replace", value: { password: "pw3" } }, { op: "Replace", path: "password", value: "pw4" }, { op: "add", path: "Password", value: "pw5" }]) {
      const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp(op));
      expect(res.status).toBe(200);
      expect(res.body.password).toBeUndefined();
    }
    const got = await t.request("GET", `/scim/Users/${u.id}`);
    expect(await got.text()).not.toContain("pw");
    expect(await (await t.request("GET", "/scim/Users")).text()).not.toContain("pw");
    // Not found by it either: a filter or a sort on it is a 400 rather than an empty or unsorted page.
    const byPassword = await t.json("GET", `/scim/Users?filter=${encodeURIComponent('password eq "pw4"')}`);
    expect([byPassword.status, byPassword.body.scimType]).toEqual([400, "invalidFilter"]);
    expect(byPassword.body.detail).toContain("never stored or returned");
    const sorted = await t.json("GET", "/scim/Users?sortBy=password");
    expect([sorted.status, sorted.body.scimType]).toEqual([400, "invalidValue"]);
  });

  test("a PATCH making userName (or a group's displayName) blank is 400 invalidValue, as on POST and PUT", async () => {
    const t = await app();
    const u = await create(t, user("blank@contoso.com"));
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "userName", value: "   " }));
    expect([res.status, res.body.scimType]).toEqual([400, "invalidValue"]);
    expect((await t.json("GET", `/scim/Users/${u.id}`)).body.userName).toBe("blank@contoso.com");
    const g = await t.json("POST", "/scim/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Named" });
    const gr = await t.json("PATCH", `/scim/Groups/${g.body.id}`, patchOp({ op: "replace", path: "displayName", value: " " }));
    expect([gr.status, gr.body.scimType]).toEqual([400, "invalidValue"]);
  });

  test("userName missing is 400 invalidValue naming it", async () => {
    const t = await app();
    for (const body of [{ schemas: [USER_SCHEMA], displayName: "No Name" }, user(""), user("   ")]) {
      const res = await t.json("POST", "/scim/Users", body);
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe("invalidValue");
      expect(res.body.detail).toContain("userName");
    }
  });

  test("readOnly attributes in a body are ignored", async () => {
    const t = await app();
    const res = await t.json("POST", "/scim/Users", {
      ...user("zack@contoso.com"),
      id: "chosen-by-client",
      meta: { resourceType: "User", created: "2000-01-01T00:00:00Z", version: 'W/"77"' },
      groups: [{ value: "some-group" }],
    });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe("chosen-by-client");
    expect(res.body.meta.created).not.toBe("2000-01-01T00:00:00Z");
    expect(res.body.groups).toBeUndefined();
    expect((await t.json("GET", "/scim/Users/chosen-by-client")).status).toBe(404);
  });

  const wrongTypes: [string, Record<string, unknown>, string][] = [
    ["active as a number", { active: 5 }, "active"],
    ["active as a non-boolean string", { active: "yes" }, "active"],
    ["displayName as an object", { displayName: { x: 1 } }, "displayName"],
    ["name as a string", { name: "Jane" }, "name"],
    ["emails value as an object", { emails: [{ value: { a: 1 }, type: "work" }] }, "emails.value"],
    ["an enterprise attribute as an object", { [ENTERPRISE_USER_SCHEMA]: { department: { a: 1 } } }, "department"],
  ];
  for (const [name, extra, attribute] of wrongTypes)
    test(`a wrong type (${name}) is 400 invalidValue naming "${attribute}"`, async () => {
      const t = await app();
      const res = await t.json("POST", "/scim/Users", user("amy@contoso.com", extra));
      expect(res.status).toBe(400);
      expect(res.body.scimType).toBe("invalidValue");
      expect(res.body.detail).toContain(attribute);
      expect(await t.storage.repo.directoryByUsername("amy@contoso.com")).toBeNull();
    });

  test("a wrong type in a PATCH is 400 invalidValue naming the attribute", async () => {
    const t = await app();
    const u = await create(t, user("ben@contoso.com"));
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", path: "active", value: "maybe" }));
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidValue");
    expect(res.body.detail).toContain("active");
  });
});

describe("paging", () => {
  const seed = async (t: TestApp, n: number) => {
    for (let i = 0; i < n; i++) await create(t, user(`page-${String(i).padStart(3, "0")}@contoso.com`));
  };
  const page = async (t: TestApp, q: string) => (await t.json("GET", `/scim/Users?${q}`)).body;

  test("startIndex is 1-based, totalResults exact, itemsPerPage the page size", async () => {
    const t = await app();
    await seed(t, 7);
    const all = await page(t, "sortBy=userName");
    expect(all.totalResults).toBe(7);
    expect(all.startIndex).toBe(1);
    const p = await page(t, "sortBy=userName&startIndex=3&count=2");
    expect(p).toMatchObject({ totalResults: 7, startIndex: 3, itemsPerPage: 2 });
    expect(p.Resources.map((r: any) => r.userName)).toEqual(["page-002@contoso.com", "page-003@contoso.com"]);
  });

  test("count defaults to 100", async () => {
    const t = await app();
    await seed(t, 105);
    const p = await page(t, "");
    expect(p.totalResults).toBe(105);
    expect(p.itemsPerPage).toBe(100);
    expect(p.Resources).toHaveLength(100);
  });

  test("count is capped by [limits] max_page_size", async () => {
    const t = await app({ limits: { max_page_size: 3 } });
    await seed(t, 5);
    const p = await page(t, "count=50");
    expect(p).toMatchObject({ totalResults: 5, itemsPerPage: 3 });
    const d = await page(t, "");
    expect(d.itemsPerPage).toBe(3);
  });

  test("startIndex 0 is read as 1, count -1 as 0", async () => {
    const t = await app();
    await seed(t, 4);
    const p = await page(t, "startIndex=0&count=2&sortBy=userName");
    expect(p.startIndex).toBe(1);
    expect(p.Resources[0].userName).toBe("page-000@contoso.com");
    const z = await page(t, "count=-1");
    expect(z).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    const neg = await page(t, "startIndex=-5&count=1&sortBy=userName");
    expect(neg.startIndex).toBe(1);
    expect(neg.Resources[0].userName).toBe("page-000@contoso.com");
  });

  test("a startIndex past the end: no resources, exact total", async () => {
    const t = await app();
    await seed(t, 3);
    expect(await page(t, "startIndex=10")).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
    // Past any number JavaScript counts exactly: the same empty page, never a 500.
    for (const far of ["99999999999999999999", "1e300", "9007199254740993"])
      expect([far, await page(t, `startIndex=${far}`)]).toMatchObject([far, { totalResults: 3, itemsPerPage: 0, Resources: [], startIndex: Number.MAX_SAFE_INTEGER }]);
    expect(await page(t, "startIndex=99999999999999999999&sortBy=userName")).toMatchObject({ totalResults: 3, itemsPerPage: 0 });
  });

  test("a non-numeric count is 400", async () => {
    const t = await app();
    const res = await t.json("GET", "/scim/Users?count=abc");
    expect(res.status).toBe(400);
  });
});

describe("attributes scimd does not define, as Entra sends them for a custom mapping", () => {
  const CUSTOM = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User";

  test("a leaver's disable sent beside a custom attribute is applied (the whole PATCH was a 400, at every cycle); the path is logged once", async () => {
    const t = await app();
    const u = await create(t, user("leaver@contoso.com", { active: true }));
    for (let cycle = 0; cycle < 2; cycle++) {
      const res = await t.json(
        "PATCH",
        `/scim/Users/${u.id}`,
        patchOp({ op: "Replace", path: "active", value: "False" }, { op: "Add", path: `${CUSTOM}:tag`, value: "701984" }),
      );
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
    }
    expect(await t.storage.repo.directoryByUsername("leaver@contoso.com")).toMatchObject({ active: false });
    // Named once, by the first PATCH; the one at the next cycle adds no line.
    const logged = warnings(t).filter((w) => w.msg.includes("does not define"));
    expect(logged.map((w) => w.attribute)).toEqual([`${CUSTOM}:tag`]);
  });

  test("a POST, a PUT and a path-less PATCH name the attributes they ignore in the log, each once", async () => {
    const t = await app();
    const u = await create(t, user("mapped@contoso.com", { shoeSize: 44, costCentre: "x", [CUSTOM]: { tag: "1", badge: "2" } }));
    expect((await t.json("PUT", `/scim/Users/${u.id}`, user("mapped@contoso.com", { shoeSize: 45, hatSize: 7 }))).status).toBe(200);
    expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "replace", value: { shoeSize: 46, nickName: "M", "name.nick": "x" } }))).status).toBe(200);
    const logged = warnings(t).filter((w) => w.msg.includes("does not define")).map((w) => w.attribute);
    expect(logged).toEqual(["shoeSize", "costCentre", `${CUSTOM}:tag`, `${CUSTOM}:badge`, "hatSize", "name.nick"]);
  });

  test("one request adds at most ten such names to the log, and names stop being remembered rather than told (a flood of junk keys silenced the real ones)", async () => {
    const t = await app();
    const junk = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`junk${i}`, i]));
    expect((await t.json("POST", "/scim/Users", user("junk@contoso.com", junk))).status).toBe(201);
    const told = () => warnings(t).filter((w) => w.msg.includes("does not define")).map((w) => w.attribute);
    expect(told()).toEqual(Array.from({ length: 10 }, (_, i) => `junk${i}`));
    // After 200 more such requests (2,000 more names, past the 1,000 remembered), a real mapping mistake is still told.
    for (let r = 0; r < 200; r++) {
      const more = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`more${r}x${i}`, i]));
      expect((await t.json("POST", "/scim/Users", user(`junk${r}@contoso.com`, more))).status).toBe(201);
    }
    expect((await t.json("POST", "/scim/Users", user("real@contoso.com", { costCenter: "42" }))).status).toBe(201);
    expect(told().at(-1)).toBe("costCenter");
  });

  test("POST and PUT take the manager as PATCH does: a bare id, and {value: ''} for none (a string was a 400, an empty value stored)", async () => {
    const t = await app();
    const u = await create(t, user("managed@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { manager: "mgr-1", department: "Sales" } }));
    expect(u[ENTERPRISE_USER_SCHEMA].manager).toEqual({ value: "mgr-1" });
    const put = await t.json("PUT", `/scim/Users/${u.id}`, user("managed@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { manager: { value: "" }, department: "Sales" } }));
    expect(put.status).toBe(200);
    expect(put.body[ENTERPRISE_USER_SCHEMA]).toEqual({ department: "Sales" });
  });

  test("a manager sent as a one-element array of its id is that id, by POST and PATCH, as [{value}] is (it was a 400)", async () => {
    const t = await app();
    const u = await create(t, user("listed@contoso.com", { [ENTERPRISE_USER_SCHEMA]: { manager: ["mgr-1"] } }));
    expect(u[ENTERPRISE_USER_SCHEMA].manager).toEqual({ value: "mgr-1" });
    const res = await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "add", path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: ["mgr-2"] }));
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE_USER_SCHEMA].manager).toEqual({ value: "mgr-2" });
    // Two ids are no single manager.
    expect((await t.json("PATCH", `/scim/Users/${u.id}`, patchOp({ op: "add", path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: ["a", "b"] }))).status).toBe(400);
  });

  test("the dotted extension path of Entra jobs made before December 2018 (customappsso) sets the manager and department", async () => {
    const t = await app();
    const u = await create(t, user("dotted@contoso.com"));
    const res = await t.json(
      "PATCH",
      `/scim/Users/${u.id}`,
      patchOp({ op: "replace", path: `${ENTERPRISE_USER_SCHEMA}.manager`, value: "mgr-1" }, { op: "replace", path: `${ENTERPRISE_USER_SCHEMA}.department`, value: "Sales" }),
    );
    expect(res.status).toBe(200);
    expect(res.body[ENTERPRISE_USER_SCHEMA]).toEqual({ manager: { value: "mgr-1" }, department: "Sales" });
  });
});

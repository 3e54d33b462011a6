// `scimd token create|list|revoke` in-process, against a real database and a running in-process app.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { authenticate, hashSecret } from "../../src/core/tokens.ts";
import { openStorage } from "../../src/storage/open-storage.ts";
import { createTestApp } from "../support/app.ts";
import { expectOneSentence, run, workspaces, type Workspace } from "./cli-helpers.ts";

const SECRET = /^scimd_[A-Za-z0-9_-]{40,}$/;
const DAY = 86_400_000;

const ws = workspaces();

async function createToken(w: Workspace, name: string, extra: string[] = []) {
  const r = await w.run(["token", "create", "--name", name, ...extra]);
  expect(r.code).toBe(0);
  const lines = r.out.filter((l) => l !== "");
  return { r, lines, secret: lines.at(-1)! };
}

describe("token create", () => {
  test("prints the secret once, alone on the last line of stdout", async () => {
    const w = ws();
    await createToken(w, "first"); // the database exists from here on: nothing on stderr (below)
    const { r, lines, secret } = await createToken(w, "entra");
    expect(secret).toMatch(SECRET);
    const all = [...r.out, ...r.err].join("\n");
    expect(all.split(secret).length - 1).toBe(1);
    for (const l of lines.slice(0, -1)) expect(l).not.toContain(secret);
    expect(r.err.filter(Boolean)).toEqual([]);
  });

  test("names the database it wrote to, and says on stderr when it had to make that database", async () => {
    // Run from another folder without --config, it made a database there, and the server refused the token.
    const w = ws();
    expect(existsSync(w.db)).toBe(false);
    const first = await createToken(w, "entra");
    expect(first.lines[0]).toContain(` in ${w.db} `);
    expectOneSentence(first.r.err);
    expect(first.r.err.join("\n")).toContain(`there was no database at ${w.db}, so a new one was made there`);
    expect(first.r.err.join("\n")).toContain("--config");
    const second = await createToken(w, "okta");
    expect(second.lines[0]).toContain(` in ${w.db} `);
    expect(second.r.err.filter(Boolean)).toEqual([]);
  });

  test("the printed secret authenticates as that token", async () => {
    const w = ws();
    const { secret } = await createToken(w, "okta");
    const storage = openStorage(w.db);
    try {
      const result = await authenticate(storage.tokens, `Bearer ${secret}`, new Date());
      expect(result.ok).toBe(true);
      if (result.ok) expect(result.token.name).toBe("okta");
    } finally {
      storage.close();
    }
  });

  test("each token gets a different secret", async () => {
    const w = ws();
    const a = await createToken(w, "a");
    const b = await createToken(w, "b");
    expect(a.secret).not.toBe(b.secret);
  });

  const expiries: [string, number][] = [
    ["90d", 90 * DAY],
    ["12h", 12 * 3_600_000],
    ["30m", 30 * 60_000],
    ["2w", 14 * DAY],
    ["1y", 365 * DAY],
  ];
  for (const [text, ms] of expiries) {
    test(`--expires ${text} sets expires to now + ${text}`, async () => {
      const w = ws();
      const before = Date.now();
      await createToken(w, "x", ["--expires", text]);
      const list = await w.run(["token", "list", "--json"]);
      const [t] = JSON.parse(list.out.join("\n")) as { expiresAt: string }[];
      const at = Date.parse(t!.expiresAt);
      expect(at).toBeGreaterThanOrEqual(before + ms - 1000);
      expect(at).toBeLessThanOrEqual(Date.now() + ms + 1000);
    });
  }

  test("an expiry of zero, or past a century, is a usage error (exit 2) naming what to do; no token is created", async () => {
    const w = ws();
    for (const [text, says] of [["0d", "above zero"], ["1000000y", "more than 100 years"], ["200y", "more than 100 years"]] as const) {
      const r = await w.run(["token", "create", "--name", "x", "--expires", text]);
      expect([text, r.code]).toEqual([text, 2]);
      expectOneSentence(r.err);
      expect(r.err.join("\n")).toContain(says);
    }
    await createToken(w, "century", ["--expires", "100y"]);
    expect((JSON.parse((await w.run(["token", "list", "--json"])).out.join("\n")) as { name: string }[]).map((t) => t.name)).toEqual(["century"]);
  });

  test("without --expires the token does not expire", async () => {
    const w = ws();
    await createToken(w, "forever");
    const list = await w.run(["token", "list", "--json"]);
    expect(JSON.parse(list.out.join("\n"))[0].expiresAt).toBeNull();
  });

  test("a duplicate name is a runtime failure (exit 1) and prints no secret", async () => {
    const w = ws();
    await createToken(w, "dup");
    const r = await w.run(["token", "create", "--name", "dup"]);
    expect(r.code).toBe(1);
    expect(r.out.join("\n")).not.toMatch(/scimd_[A-Za-z0-9_-]{20,}/);
    expectOneSentence(r.err);
    expect(r.err.join("\n")).toContain('"dup"');
  });

  test("the database holds only the hash of the secret", async () => {
    const w = ws();
    const { secret } = await createToken(w, "hashed");
    const db = new Database(w.db, { readonly: true });
    try {
      const rows = db.query("SELECT * FROM tokens").all() as Record<string, unknown>[];
      expect(rows).toHaveLength(1);
      const cells = Object.values(rows[0]!).map((v) => String(v));
      for (const c of cells) {
        expect(c).not.toContain(secret);
        expect(c).not.toContain(secret.slice("scimd_".length));
      }
      expect(cells).toContain(hashSecret(secret));
    } finally {
      db.close();
    }
  });
});

describe("token list", () => {
  test("shows name, created, last used and expires, never the secret", async () => {
    const w = ws();
    const a = await createToken(w, "entra", ["--expires", "90d"]);
    const b = await createToken(w, "okta");
    const r = await w.run(["token", "list"]);
    expect(r.code).toBe(0);
    const text = r.out.join("\n");
    for (const h of ["NAME", "CREATED", "LAST USED", "EXPIRES"]) expect(text).toContain(h);
    const rows = r.out.filter((l) => /^(entra|okta)\b/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/\d{4}-\d\d-\d\dT/);
    expect(rows[0]).toContain("never");
    for (const secret of [a.secret, b.secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hashSecret(secret));
    }
  });

  test("an expired token is marked as such", async () => {
    const w = ws();
    await createToken(w, "current", ["--expires", "90d"]);
    const storage = openStorage(w.db);
    try {
      await storage.tokens.create("old", hashSecret("scimd_old-secret-not-used"), "scim", new Date(Date.now() - 2 * DAY).toISOString(), new Date(Date.now() - DAY).toISOString());
    } finally {
      storage.close();
    }
    const r = await w.run(["token", "list"]);
    expect(r.out.find((l) => l.startsWith("old "))).toMatch(/\(expired\)\s*$/);
    expect(r.out.find((l) => l.startsWith("current "))).not.toContain("expired");
  });

  test("--json has the fields and neither the secret nor its hash", async () => {
    const w = ws();
    const { secret } = await createToken(w, "entra", ["--expires", "90d"]);
    const r = await w.run(["token", "list", "--json"]);
    expect(r.code).toBe(0);
    const text = r.out.join("\n");
    const list = JSON.parse(text) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: "entra", lastUsedAt: null });
    expect(typeof list[0]!.createdAt).toBe("string");
    expect(typeof list[0]!.expiresAt).toBe("string");
    expect(Object.keys(list[0]!)).not.toContain("hash");
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hashSecret(secret));
  });

  test("with no tokens it says so, exit 0", async () => {
    const w = ws();
    expect((await w.run(["migrate"])).code).toBe(0);
    const r = await w.run(["token", "list"]);
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain("No tokens");
  });
});

describe("token revoke", () => {
  test("the revoked token no longer authenticates and leaves the list", async () => {
    const w = ws();
    const { secret } = await createToken(w, "gone");
    await createToken(w, "kept");
    const r = await w.run(["token", "revoke", "gone"]);
    expect(r.code).toBe(0);
    const list = await w.run(["token", "list", "--json"]);
    expect((JSON.parse(list.out.join("\n")) as { name: string }[]).map((t) => t.name)).toEqual(["kept"]);
    const storage = openStorage(w.db);
    try {
      expect((await authenticate(storage.tokens, `Bearer ${secret}`, new Date())).ok).toBe(false);
    } finally {
      storage.close();
    }
  });

  test("an unknown name is a runtime failure (exit 1), one sentence", async () => {
    const w = ws();
    expect((await w.run(["migrate"])).code).toBe(0);
    const r = await w.run(["token", "revoke", "nobody"]);
    expect(r.code).toBe(1);
    expectOneSentence(r.err);
    expect(r.err.join("\n")).toContain('"nobody"');
  });
});

describe("the CLI against a running app's database", () => {
  async function appWithCli() {
    const t = await createTestApp();
    const config = join(t.config.storage.path, "..", "cli.toml");
    writeFileSync(config, `[storage]\npath = ${JSON.stringify(t.config.storage.path)}\n`);
    const cli = (argv: string[]) => run([...argv, "--config", config]);
    return { t, cli };
  }

  test("token revoke takes effect on the app's next request, without a restart", async () => {
    const { t, cli } = await appWithCli();
    try {
      expect((await t.request("GET", "/scim/Users")).status).toBe(200);
      expect((await cli(["token", "revoke", "test"])).code).toBe(0);
      const res = await t.request("GET", "/scim/Users");
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    } finally {
      t.close();
    }
  });

  test("a token created by the CLI works on the running app at once", async () => {
    const { t, cli } = await appWithCli();
    try {
      const r = await cli(["token", "create", "--name", "fresh"]);
      const secret = r.out.filter(Boolean).at(-1)!;
      expect((await t.request("GET", "/scim/Users", undefined, { auth: secret })).status).toBe(200);
    } finally {
      t.close();
    }
  });

  test("token list shows last used after a request", async () => {
    const { t, cli } = await appWithCli();
    try {
      const before = await cli(["token", "list", "--json"]);
      expect(JSON.parse(before.out.join("\n"))[0].lastUsedAt).toBeNull();
      const sent = Date.now();
      expect((await t.request("GET", "/scim/Users")).status).toBe(200);
      // last_used is written after the response: allow it a few ticks.
      let lastUsedAt: string | null = null;
      for (let i = 0; i < 50 && lastUsedAt === null; i++) {
        await Bun.sleep(10);
        lastUsedAt = JSON.parse((await cli(["token", "list", "--json"])).out.join("\n"))[0].lastUsedAt;
      }
      expect(lastUsedAt).not.toBeNull();
      expect(Math.abs(Date.parse(lastUsedAt!) - sent)).toBeLessThan(5000);
      const human = await cli(["token", "list"]);
      const row = human.out.find((l) => l.startsWith("test "))!;
      expect(row).toContain(lastUsedAt!);
    } finally {
      t.close();
    }
  });
});

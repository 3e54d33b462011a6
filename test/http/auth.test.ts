// Bearer authentication at the HTTP edge (RFC 6750), in-process through app.handle.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ERROR_SCHEMA } from "../../src/core/schema/urns.ts";
import { generateSecret, hashSecret } from "../../src/core/tokens.ts";
import { rememberPeer } from "../../src/http/client-address.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

const SCIM_TYPE = "application/scim+json; charset=utf-8";
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

/** A token stored directly, with any expiry and scope. */
async function storeToken(name: string, opts: { expiresAt?: string | null; scope?: "scim" | "admin" } = {}) {
  const secret = generateSecret();
  await t.storage.tokens.create(name, hashSecret(secret), opts.scope ?? "scim", new Date().toISOString(), opts.expiresAt ?? null);
  return secret;
}

async function expectUnauthorized(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe(SCIM_TYPE);
  expect(res.headers.get("www-authenticate") ?? "").toMatch(/^Bearer\b/);
  const body = (await res.json()) as { schemas: string[]; status: string; detail: string };
  expect(body.schemas).toEqual([ERROR_SCHEMA]);
  expect(body.status).toBe("401");
  expect(typeof body.detail).toBe("string");
  expect(body.detail.length).toBeGreaterThan(10);
}

describe("refused: 401, a SCIM error and WWW-Authenticate: Bearer", () => {
  const headers: [string, () => string | null][] = [
    ["no Authorization header", () => null],
    ["an empty Authorization header", () => ""],
    ["the scheme alone", () => "Bearer"],
    ["the scheme and spaces", () => "Bearer   "],
    ["Basic credentials", () => `Basic ${btoa("user:pass")}`],
    ["the secret without a scheme", () => t.token],
    ["another scheme with the secret", () => `Token ${t.token}`],
    ["two words after Bearer", () => `Bearer ${t.token} extra`],
    ["characters outside the token68 set", () => `Bearer ${t.token}!`],
    ["an unknown secret", () => `Bearer ${generateSecret()}`],
    ["the secret's hash", () => `Bearer ${hashSecret(t.token)}`],
    ["a truncated secret", () => `Bearer ${t.token.slice(0, -1)}`],
  ];
  for (const [name, header] of headers) {
    test(name, async () => {
      const h = header();
      const res = await t.request("GET", "/scim/Users", undefined, h === null ? { auth: null } : { auth: null, headers: { authorization: h } });
      await expectUnauthorized(res);
    });
  }

  test("RFC 6750 §3.1: a sent token that is unknown or expired is error=\"invalid_token\"; no token, or another scheme, gets no error code", async () => {
    const challenge = async (h: string | null) =>
      (await t.request("GET", "/scim/Users", undefined, h === null ? { auth: null } : { auth: null, headers: { authorization: h } })).headers.get("www-authenticate");
    const expired = await storeToken("expired-challenge", { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect(await challenge(`Bearer ${generateSecret()}`)).toBe('Bearer realm="scimd", error="invalid_token"');
    expect(await challenge(`Bearer ${expired}`)).toBe('Bearer realm="scimd", error="invalid_token"');
    expect(await challenge(null)).toBe('Bearer realm="scimd"');
    expect(await challenge(`Basic ${btoa("user:pass")}`)).toBe('Bearer realm="scimd"');
  });

  test("a token in ?access_token= is refused even when valid", async () => {
    for (const prefix of ["/scim", "/scim/v2"]) {
      const res = await t.request("GET", `${prefix}/Users?access_token=${encodeURIComponent(t.token)}`, undefined, { auth: null });
      await expectUnauthorized(res);
    }
  });

  test("a token in a form body (access_token=) is refused", async () => {
    const res = await t.request("POST", "/scim/Users/.search", `access_token=${t.token}`, {
      auth: null,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await expectUnauthorized(res);
  });

  test("an expired token", async () => {
    const secret = await storeToken("expired", { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    await expectUnauthorized(await t.request("GET", "/scim/Users", undefined, { auth: secret }));
  });

  test("a token expiring this instant", async () => {
    const now = new Date("2030-01-01T00:00:00.000Z");
    const clocked = await createTestApp({}, { clock: () => now });
    try {
      const secret = generateSecret();
      await clocked.storage.tokens.create("edge", hashSecret(secret), "scim", now.toISOString(), now.toISOString());
      await expectUnauthorized(await clocked.request("GET", "/scim/Users", undefined, { auth: secret }));
    } finally {
      clocked.close();
    }
  });

  test("a token with the admin scope on the SCIM API is 403 insufficient_scope (RFC 6750 §3.1)", async () => {
    const secret = await storeToken("admin-only", { scope: "admin" });
    const res = await t.request("GET", "/scim/Users", undefined, { auth: secret });
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="scimd", error="insufficient_scope"');
    const body = (await res.json()) as { status: string; detail: string };
    expect(body.status).toBe("403");
    expect(body.detail).toBe('This token has the "admin" scope and cannot be used here; use a token created with --scope scim.');
  });

  const everywhere: [string, string][] = [
    ["GET", "/scim/Users"],
    ["GET", "/scim/v2/Users"],
    ["GET", "/scim/Groups"],
    ["GET", "/scim/Users/00000000-0000-0000-0000-000000000000"],
    ["POST", "/scim/Users"],
    ["DELETE", "/scim/Users/x"],
    ["GET", "/scim/ServiceProviderConfig"],
    ["GET", "/scim/v2/Schemas"],
    ["GET", "/scim/ResourceTypes"],
    ["GET", "/scim/NoSuchThing"],
    ["DELETE", "/scim/Users"],
    ["GET", "/scim"],
  ];
  for (const [method, path] of everywhere) {
    test(`without a token: ${method} ${path}`, async () => {
      await expectUnauthorized(await t.request(method, path, undefined, { auth: null }));
    });
  }
});

describe("accepted", () => {
  const schemes = ["Bearer", "bearer", "BEARER", "bEaReR"];
  for (const scheme of schemes) {
    test(`scheme word "${scheme}"`, async () => {
      const res = await t.request("GET", "/scim/Users", undefined, { auth: null, headers: { authorization: `${scheme} ${t.token}` } });
      expect(res.status).toBe(200);
    });
  }

  test("a token that expires in the future", async () => {
    const secret = await storeToken("later", { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await t.request("GET", "/scim/Users", undefined, { auth: secret })).status).toBe(200);
  });

  test("health endpoints need no token", async () => {
    for (const path of ["/healthz", "/readyz"]) expect((await t.request("GET", path, undefined, { auth: null })).status).toBe(200);
  });
});

describe("changes take effect on the next request, without restart", () => {
  test("revocation", async () => {
    const secret = await storeToken("to-revoke");
    expect((await t.request("GET", "/scim/Users", undefined, { auth: secret })).status).toBe(200);
    expect(await t.storage.tokens.revoke("to-revoke")).toBe(true);
    await expectUnauthorized(await t.request("GET", "/scim/Users", undefined, { auth: secret }));
  });

  test("expiry passing while the app runs", async () => {
    let now = new Date("2030-01-01T00:00:00.000Z");
    const clocked = await createTestApp({}, { clock: () => now });
    try {
      const secret = generateSecret();
      await clocked.storage.tokens.create("soon", hashSecret(secret), "scim", now.toISOString(), new Date(now.getTime() + 60_000).toISOString());
      expect((await clocked.request("GET", "/scim/Users", undefined, { auth: secret })).status).toBe(200);
      now = new Date(now.getTime() + 61_000);
      await expectUnauthorized(await clocked.request("GET", "/scim/Users", undefined, { auth: secret }));
    } finally {
      clocked.close();
    }
  });

  test("a token created while the app runs", async () => {
    const secret = generateSecret();
    expect((await t.request("GET", "/scim/Users", undefined, { auth: secret })).status).toBe(401);
    await t.storage.tokens.create("new-one", hashSecret(secret), "scim", new Date().toISOString(), null);
    expect((await t.request("GET", "/scim/Users", undefined, { auth: secret })).status).toBe(200);
  });
});

describe("last used", () => {
  test("is recorded after a request, on that token only", async () => {
    const app = await createTestApp();
    try {
      const other = generateSecret();
      await app.storage.tokens.create("idle", hashSecret(other), "scim", new Date().toISOString(), null);
      const byName = async () => Object.fromEntries((await app.storage.tokens.list()).map((x) => [x.name, x.lastUsedAt]));
      expect((await byName()).test).toBeNull();
      expect((await app.request("GET", "/scim/Users")).status).toBe(200);
      let used: string | null = null;
      for (let i = 0; i < 50 && !used; i++) {
        await Bun.sleep(10);
        used = (await byName()).test ?? null;
      }
      expect(used).not.toBeNull();
      expect((await byName()).idle).toBeNull();
    } finally {
      app.close();
    }
  });

  test("a refused request records nothing", async () => {
    const app = await createTestApp();
    try {
      const expired = generateSecret();
      await app.storage.tokens.create("old", hashSecret(expired), "scim", new Date().toISOString(), new Date(Date.now() - 1000).toISOString());
      await app.request("GET", "/scim/Users", undefined, { auth: expired });
      await Bun.sleep(50);
      const old = (await app.storage.tokens.list()).find((x) => x.name === "old")!;
      expect(old.lastUsedAt).toBeNull();
    } finally {
      app.close();
    }
  });
});

describe("authentication comes before the body", () => {
  const bodies: [string, string, Record<string, string>][] = [
    ["malformed JSON", "{not json", {}],
    ["a body of the wrong media type", "<user/>", { "content-type": "application/xml" }],
    ["an oversized body", JSON.stringify({ displayName: "x".repeat(5000) }), {}],
    ["an oversized body with Content-Length", JSON.stringify({ displayName: "x".repeat(5000) }), { "content-length": "5016" }],
    ["a deeply nested body", "[".repeat(100) + "]".repeat(100), {}],
  ];
  for (const [name, body, headers] of bodies) {
    for (const method of ["POST", "PUT", "PATCH"]) {
      const path = method === "POST" ? "/scim/Users" : "/scim/Users/x";
      test(`no token + ${name} (${method}) is 401`, async () => {
        const small = await createTestApp({ limits: { max_body_bytes: 1024 } });
        try {
          await expectUnauthorized(await small.request(method, path, body, { auth: null, headers }));
        } finally {
          small.close();
        }
      });
    }
  }
});

describe("secrets stay out of storage and logs", () => {
  test("the tokens table holds no secret", async () => {
    const { Database } = await import("bun:sqlite");
    const db = new Database(t.config.storage.path, { readonly: true });
    try {
      const rows = db.query("SELECT * FROM tokens").all() as Record<string, unknown>[];
      const dump = JSON.stringify(rows);
      expect(rows.length).toBeGreaterThan(0);
      expect(dump).not.toContain(t.token);
      expect(dump).not.toContain(t.token.slice("scimd_".length));
      expect(dump).toContain(hashSecret(t.token));
    } finally {
      db.close();
    }
  });

  test("no log line holds a secret", async () => {
    await t.request("GET", "/scim/Users");
    await t.request("GET", "/scim/Users", undefined, { auth: "scimd_not-a-real-one" });
    const logs = t.logs.join("\n");
    expect(logs).not.toContain(t.token);
    expect(logs).not.toContain("scimd_not-a-real-one");
  });
});

describe("the peer address", () => {
  test("is looked up for a refused request (to throttle it), never for an authenticated one", async () => {
    let lookups = 0;
    const send = (authorization: string) => {
      const req = new Request("http://localhost/scim/Users?count=1", { headers: { authorization } });
      rememberPeer(req, () => (lookups++, "192.0.2.7"));
      return t.app.handle(req);
    };
    expect((await send(`Bearer ${t.token}`)).status).toBe(200);
    expect(lookups).toBe(0);
    expect((await send(`Bearer ${generateSecret()}`)).status).toBe(401);
    expect(lookups).toBe(1);
  });
});

describe("a URL without a host", () => {
  // Only Bun's server makes such requests (HTTP/1.0 without Host); serve gives them an origin first, and the
  // app itself refuses one that reaches it, rather than read it as a path outside /scim.
  test("the app served directly by Bun.serve answers 400 to GET /aaaaaaaaaa/scim/Users over HTTP/1.0, never the users", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (r) => t.app.handle(r) });
    try {
      const { connect } = await import("node:net");
      const response = await new Promise<string>((resolve) => {
        let data = "";
        const socket = connect(server.port!, "127.0.0.1", () => socket.write("GET /aaaaaaaaaa/scim/Users HTTP/1.0\r\n\r\n"));
        socket.on("data", (d) => (data += d));
        socket.on("close", () => resolve(data));
      });
      expect(response).toMatch(/^HTTP\/1\.1 400 /);
      expect(response).toContain("is not a path on this server");
    } finally {
      server.stop(true);
    }
  });
});

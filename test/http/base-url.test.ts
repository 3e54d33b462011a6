// The URLs scimd writes into Location and meta.location: public_url, else the request's origin, taken from a
// proxy's X-Forwarded-Proto/-Host only with trust_proxy, and only when they hold a scheme and host.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

let seq = 0;
const newUser = () => ({ schemas: [USER_SCHEMA], userName: `base-url-${++seq}@example.com` });

async function locationOf(t: TestApp, headers: Record<string, string>): Promise<string> {
  const res = await t.json("POST", "/scim/Users", newUser(), { headers });
  expect(res.status).toBe(201);
  const location = res.headers.get("location")!;
  expect(res.body.meta.location).toBe(location);
  return location.slice(0, location.indexOf("/scim/"));
}

describe("with trust_proxy", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ server: { trust_proxy: true } });
  });
  afterAll(() => t.close());

  test("X-Forwarded-Proto and X-Forwarded-Host name the origin (the first of a list, as the client's proxy wrote it)", async () => {
    expect(await locationOf(t, { host: "10.0.0.5:8080", "x-forwarded-proto": "https", "x-forwarded-host": "scim.example.com" })).toBe("https://scim.example.com");
    expect(await locationOf(t, { host: "10.0.0.5:8080", "x-forwarded-proto": "HTTPS, http", "x-forwarded-host": "a.example.com, b.example.com" })).toBe("https://a.example.com");
  });

  test("a forwarded scheme or host that no URL can hold is ignored, not written into every Location", async () => {
    expect(await locationOf(t, { host: "10.0.0.5:8080", "x-forwarded-proto": "javascript" })).toBe("http://10.0.0.5:8080");
    expect(await locationOf(t, { host: "10.0.0.5:8080", "x-forwarded-host": "bad host/x" })).toBe("http://10.0.0.5:8080");
    expect(await locationOf(t, { host: "10.0.0.5:8080", "x-forwarded-host": "user@evil.example" })).toBe("http://10.0.0.5:8080");
  });
});

test("without trust_proxy the forwarded headers are ignored", async () => {
  const t = await createTestApp();
  try {
    expect(await locationOf(t, { host: "10.0.0.5:8080", "x-forwarded-proto": "https", "x-forwarded-host": "scim.example.com" })).toBe("http://10.0.0.5:8080");
  } finally {
    t.close();
  }
});

test("public_url wins over the request and the proxy's headers", async () => {
  const t = await createTestApp({ server: { trust_proxy: true, public_url: "https://idp.example.com/apps/scim" } });
  try {
    const res = await t.json("POST", "/scim/Users", newUser(), { headers: { host: "10.0.0.5", "x-forwarded-host": "other.example" } });
    expect(res.headers.get("location")).toStartWith("https://idp.example.com/apps/scim/Users/");
  } finally {
    t.close();
  }
});

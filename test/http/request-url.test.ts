// pathOf and schemeAndHostOf read a request URL without new URL(); they must agree with it on every URL a
// request can carry (absolute and normalised, as Bun's server and the Request constructor give them).
import { describe, expect, test } from "bun:test";
import { pathOf, schemeAndHostOf, withRoutableHost } from "../../src/http/request-url.ts";
import { createTestApp } from "../support/app.ts";

const urls = [
  "http://localhost/scim/Users",
  "http://127.0.0.1:8080/scim/v2/Users?filter=userName%20eq%20%22a%22",
  "https://scim.example.com/scim/Users/abc",
  "http://[::1]:8080/healthz",
  "http://h/",
  "http://h",
  "http://h?x=/y",
  "http://h/scim/../admin/events?x=1",
  "http://h/scim/%2e%2e/admin",
  "http://h//scim//Users",
  "HTTP://Example.COM:80/Path/To?q",
  "http://h/a%20b/c?d=e/f",
];

describe("request URL parts agree with the WHATWG URL parser", () => {
  for (const raw of urls) {
    test(raw, () => {
      // Requests carry URLs as the Request constructor normalises them.
      const url = new Request(raw).url;
      const parsed = new URL(url);
      expect(pathOf(url)).toBe(parsed.pathname);
      expect(schemeAndHostOf(url)).toEqual({ scheme: parsed.protocol.slice(0, -1), host: parsed.host });
    });
  }
});

test("a '#' stays in the path, as Elysia's router keeps it: a request target has no fragment, and authentication and routing must read one path", () => {
  expect(pathOf("http://h/aaaa#/scim/Users")).toBe("/aaaa#/scim/Users");
  expect(pathOf("http://h/scim/Users#x?y")).toBe("/scim/Users#x");
});

describe("withRoutableHost: a short Host still routes (Elysia looks for the path from index 11)", () => {
  const cases = [
    "http://x/scim/Users",
    "http://api/scim/Users?count=1",
    "https://ab/scim/Users/abc",
    "http://a:1/scim/Users",
    "https://a/scim/v2/Groups?filter=displayName%20eq%20%22x%22",
    "http://localhost/scim/Users",
    "http://[::1]/scim/Users",
    "https://scim.example.com/scim/Users",
  ];
  for (const u of cases)
    test(u, () => {
      const r = withRoutableHost(new Request(u));
      // The same URL for any URL parser, with the path where Elysia looks for it.
      expect(new URL(r.url).href).toBe(new URL(u).href);
      expect(r.url.slice(r.url.indexOf("/", 11)).split("?")[0]).toBe(new URL(u).pathname);
      if (u.indexOf("/", u.indexOf("//") + 2) >= 11) expect(r.url).toBe(u);
    });

  test("method, headers and body come along, and the app answers at the right path", async () => {
    const t = await createTestApp();
    try {
      const headers = { authorization: `Bearer ${t.token}`, "content-type": "application/scim+json" };
      const body = JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "short.host@example.com" });
      const created = await t.app.handle(withRoutableHost(new Request("http://api/scim/Users", { method: "POST", headers, body })));
      expect(created.status).toBe(201);
      expect(created.headers.get("location")).toStartWith("http://api:80/scim/Users/");
      const listed = await t.app.handle(withRoutableHost(new Request(`http://api/scim/Users?filter=${encodeURIComponent('userName eq "short.host@example.com"')}`, { headers })));
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as { totalResults: number }).totalResults).toBe(1);
    } finally {
      t.close();
    }
  });
});

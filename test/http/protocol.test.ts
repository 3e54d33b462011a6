// The HTTP contract of the SCIM API: prefixes, media types, SCIM error bodies, limits and request ids.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ERROR_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA, USER_SCHEMA, GROUP_SCHEMA } from "../../src/core/schema/urns.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

const SCIM_TYPE = "application/scim+json; charset=utf-8";
const MAX_BODY = 1024;
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ limits: { max_body_bytes: MAX_BODY } });
});
afterAll(() => t.close());

let seq = 0;
const newUser = () => ({ schemas: [USER_SCHEMA], userName: `user${++seq}@example.com`, active: true });

/** An RFC 7644 §3.12 error body with the status as a string. */
async function expectScimError(res: Response, status: number, scimType?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe(SCIM_TYPE);
  const text = await res.text();
  const body = JSON.parse(text);
  expect(body.schemas).toEqual([ERROR_SCHEMA]);
  expect(body.status).toBe(String(status));
  expect(typeof body.detail).toBe("string");
  expect(body.detail.length).toBeGreaterThan(10);
  if (scimType) expect(body.scimType).toBe(scimType);
  expect(text).not.toContain("    at ");
  return body;
}

describe("query parameter names are read without regard to case", () => {
  test("?Filter= filters (it was an unknown parameter and the whole list came back); ?COUNT= and ?Attributes= apply", async () => {
    const a = newUser();
    const b = newUser();
    for (const u of [a, b]) expect((await t.request("POST", "/scim/Users", JSON.stringify(u))).status).toBe(201);
    const res = await t.request("GET", `/scim/Users?Filter=${encodeURIComponent(`userName eq "${a.userName}"`)}&Attributes=userName`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { totalResults: number; Resources: Record<string, unknown>[] };
    expect(body.totalResults).toBe(1);
    expect(body.Resources[0]!.userName).toBe(a.userName);
    expect(body.Resources[0]!.active).toBeUndefined(); // projected to userName (id and schemas always)
    const page = (await (await t.request("GET", "/scim/Users?COUNT=1")).json()) as { itemsPerPage: number };
    expect(page.itemsPerPage).toBe(1);
  });

  test("a blank count or startIndex is no value, as an empty one (count=%20 was read as 0, an empty page)", async () => {
    expect((await t.request("POST", "/scim/Users", JSON.stringify(newUser()))).status).toBe(201);
    const all = (await t.json("GET", "/scim/Users?count=")).body;
    expect(all.itemsPerPage).toBeGreaterThan(0);
    for (const q of ["count=%20", "count=%20%20&startIndex=%20"]) {
      const res = await t.json("GET", `/scim/Users?${q}`);
      expect([res.status, res.body.itemsPerPage, res.body.startIndex]).toEqual([200, all.itemsPerPage, 1]);
    }
  });

  test("sortOrder: asc and desc are taken; without sortBy any value is ignored (it orders nothing)", async () => {
    const names = [newUser(), newUser()].map((u) => u.userName).sort();
    for (const n of names) expect((await t.request("POST", "/scim/Users", JSON.stringify({ userName: n }))).status).toBe(201);
    const order = async (q: string) => {
      const res = await t.json("GET", `/scim/Users?filter=${encodeURIComponent(names.map((n) => `userName eq "${n}"`).join(" or "))}&${q}`);
      expect(res.status).toBe(200);
      return res.body.Resources.map((r: { userName: string }) => r.userName);
    };
    expect(await order("sortBy=userName&sortOrder=DESC")).toEqual([...names].reverse());
    expect(await order("sortBy=userName&sortOrder=asc")).toEqual(names);
    expect((await order("sortOrder=sideways")).length).toBe(2);
  });

  test(".search members written as null (SDKs write every member) are left out, not a 400", async () => {
    const u = newUser();
    expect((await t.request("POST", "/scim/Users", JSON.stringify(u))).status).toBe(201);
    const body = { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: `userName eq "${u.userName}"`, attributes: null, excludedAttributes: null, sortBy: null, sortOrder: null, startIndex: null, count: null };
    const res = await t.request("POST", "/scim/Users/.search", JSON.stringify(body));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { totalResults: number }).totalResults).toBe(1);
  });
});

describe("/scim and /scim/v2 serve the same routes", () => {
  const paths = ["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/Schemas", `/Schemas/${USER_SCHEMA}`, "/Users", "/Groups", "/Users?filter=userName%20eq%20%22nobody%22"];
  for (const path of paths) {
    test(`GET ${path}`, async () => {
      const a = await t.request("GET", `/scim${path}`);
      const b = await t.request("GET", `/scim/v2${path}`);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      // Only the base URL in locations differs.
      const textA = await a.text();
      const textB = (await b.text()).replaceAll("/scim/v2", "/scim");
      expect(textB).toEqual(textA);
    });
  }

  test("a user created under one prefix is read, replaced, patched and deleted under the other", async () => {
    const created = await t.json("POST", "/scim/Users", newUser());
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await t.json("GET", `/scim/v2/Users/${id}`)).status).toBe(200);
    const replaced = await t.json("PUT", `/scim/v2/Users/${id}`, { ...newUser(), userName: created.body.userName, displayName: "Put" });
    expect(replaced.status).toBe(200);
    const patched = await t.json("PATCH", `/scim/Users/${id}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "displayName", value: "Patched" }],
    });
    expect(patched.status).toBe(200);
    expect((await t.json("GET", `/scim/v2/Users/${id}`)).body.displayName).toBe("Patched");
    expect((await t.request("DELETE", `/scim/v2/Users/${id}`)).status).toBe(204);
  });

  test("meta.location follows the prefix the client used", async () => {
    const a = await t.json("POST", "/scim/v2/Users", newUser());
    expect(a.body.meta.location).toContain(`/scim/v2/Users/${a.body.id}`);
    const b = await t.json("POST", "/scim/Users", newUser());
    expect(b.body.meta.location).toContain(`/scim/Users/${b.body.id}`);
    expect(b.body.meta.location).not.toContain("/v2/");
  });
});

describe("POST with attributes or excludedAttributes (RFC 7644 §3.9 applies them to the created resource)", () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ["a User, attributes=userName", "/scim/Users?attributes=userName", newUser()],
    ["a User, excludedAttributes=meta", "/scim/Users?excludedAttributes=meta", newUser()],
    ["a User, attributes=meta.created", "/scim/Users?attributes=meta.created", newUser()],
    ["a Group, attributes=displayName", "/scim/Groups?attributes=displayName", { schemas: [GROUP_SCHEMA], displayName: "Projected" }],
  ];
  test.each(cases)("%s: 201, the projected body and the resource's own Location", async (_name, path, body) => {
    const res = await t.json("POST", path, body);
    expect(res.status).toBe(201);
    const endpoint = path.startsWith("/scim/Users") ? "Users" : "Groups";
    expect(res.headers.get("location")).toBe(`http://localhost/scim/${endpoint}/${res.body.id}`);
    expect(res.body.meta?.location).toBeUndefined();
    expect((await t.json("GET", new URL(res.headers.get("location")!).pathname)).status).toBe(200);
  });
});

describe("every SCIM response has Content-Type application/scim+json; charset=utf-8", () => {
  const cases: { name: string; method: string; path: string; body?: unknown; auth?: null; status: number }[] = [
    { name: "a list", method: "GET", path: "/scim/Users", status: 200 },
    { name: "a v2 list", method: "GET", path: "/scim/v2/Groups", status: 200 },
    { name: "ServiceProviderConfig", method: "GET", path: "/scim/ServiceProviderConfig", status: 200 },
    { name: "Schemas", method: "GET", path: "/scim/Schemas", status: 200 },
    { name: "ResourceTypes", method: "GET", path: "/scim/v2/ResourceTypes", status: 200 },
    { name: "a creation", method: "POST", path: "/scim/Users", body: "new-user", status: 201 },
    { name: "a group creation", method: "POST", path: "/scim/Groups", body: { schemas: [GROUP_SCHEMA], displayName: "Team A" }, status: 201 },
    { name: "a search", method: "POST", path: "/scim/Users/.search", body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"] }, status: 200 },
    { name: "a 401", method: "GET", path: "/scim/Users", auth: null, status: 401 },
    { name: "a 404 resource", method: "GET", path: "/scim/Users/00000000-0000-0000-0000-000000000000", status: 404 },
    { name: "a 404 route", method: "GET", path: "/scim/Nope", status: 404 },
    { name: "a 405", method: "DELETE", path: "/scim/Users", status: 405 },
    { name: "a 400", method: "POST", path: "/scim/Users", body: "{", status: 400 },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.method} ${c.path} -> ${c.status}`, async () => {
      const body = c.body === "new-user" ? newUser() : c.body;
      const res = await t.request(c.method, c.path, body, c.auth === null ? { auth: null } : {});
      expect(res.status).toBe(c.status);
      expect(res.headers.get("content-type")).toBe(SCIM_TYPE);
    });
  }
});

describe("request bodies", () => {
  const types = ["application/scim+json", "application/json", "application/scim+json; charset=utf-8", "application/json; charset=UTF-8", "Application/SCIM+JSON"];
  for (const type of types) {
    test(`are accepted as ${type}`, async () => {
      const user = newUser();
      const res = await t.json("POST", "/scim/Users", JSON.stringify(user), { headers: { "content-type": type } });
      expect(res.status).toBe(201);
      expect(res.body.userName).toBe(user.userName);
    });
  }

  test("a PATCH body as application/json is applied", async () => {
    const created = await t.json("POST", "/scim/Users", newUser());
    const res = await t.json(
      "PATCH",
      `/scim/Users/${created.body.id}`,
      JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "J" }] }),
      { headers: { "content-type": "application/json" } },
    );
    expect(res.status).toBe(200);
    expect(res.body.displayName).toBe("J");
  });
});

describe("request bodies are UTF-8 text", () => {
  const post = (body: RequestInit["body"], headers: Record<string, string> = {}) =>
    t.app.handle(new Request("http://localhost/scim/Users", { method: "POST", headers: { authorization: `Bearer ${t.token}`, "content-type": "application/scim+json", ...headers }, body }));
  const lookup = async (userName: string) => (await t.json("GET", `/scim/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.totalResults;

  test("bytes that are not UTF-8 are refused, not stored as U+FFFD", async () => {
    // "Müller" as a Latin-1 client sends it: ü is the single byte 0xFC.
    const bytes = Buffer.concat([Buffer.from(`{"schemas":["${USER_SCHEMA}"],"userName":"M`), Buffer.from([0xfc]), Buffer.from(`ller@example.com"}`)]);
    const body = await expectScimError(await post(bytes), 400, "invalidSyntax");
    expect(body.detail).toMatch(/UTF-8/);
    expect(await lookup("M\ufffdller@example.com")).toBe(0);
    // The same name sent as UTF-8 is a user.
    expect((await post(Buffer.from(`{"schemas":["${USER_SCHEMA}"],"userName":"Müller@example.com"}`))).status).toBe(201);
  });

  test("a streamed (chunked) body that is not UTF-8 is refused too", async () => {
    const bytes = Buffer.concat([Buffer.from(`{"schemas":["${USER_SCHEMA}"],"userName":"stream`), Buffer.from([0xc3]), Buffer.from(`@example.com"}`)]);
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array(bytes)), c.close()) });
    await expectScimError(await post(stream), 400, "invalidSyntax");
  });

  test("an unpaired surrogate escape is refused; a pair is the character it encodes", async () => {
    for (const half of ["\\ud800", "\\uDFFF"]) {
      const body = await expectScimError(await post(`{"schemas":["${USER_SCHEMA}"],"userName":"half${half}@example.com"}`), 400, "invalidSyntax");
      expect(body.detail).toMatch(/surrogate/);
    }
    // In a member name, and deep in a PATCH value, alike.
    await expectScimError(await post(`{"schemas":["${USER_SCHEMA}"],"userName":"key@example.com","x\\ud83d":1}`), 400, "invalidSyntax");
    const created = await t.json("POST", "/scim/Users", newUser());
    const patch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"name":{"givenName":"a\\udc00"}}}]}`;
    await expectScimError(await t.request("PATCH", `/scim/Users/${created.body.id}`, patch), 400, "invalidSyntax");
    expect((await t.json("GET", `/scim/Users/${created.body.id}`)).body.name).toBeUndefined();
    const pair = await post(`{"schemas":["${USER_SCHEMA}"],"userName":"smile\\ud83d\\ude00@example.com"}`);
    expect(pair.status).toBe(201);
    expect(((await pair.json()) as { userName: string }).userName).toBe("smile\u{1F600}@example.com");
    expect(await lookup("smile\u{1F600}@example.com")).toBe(1);
  });

  test("a leading byte order mark is skipped (RFC 8259 lets a parser ignore it)", async () => {
    const res = await post(`\ufeff{"schemas":["${USER_SCHEMA}"],"userName":"bom@example.com"}`);
    expect(res.status).toBe(201);
    expect(await lookup("bom@example.com")).toBe(1);
  });
});

describe("every error is a SCIM error", () => {
  const cases: { name: string; method: string; path: string; body?: string; headers?: Record<string, string>; status: number; scimType?: string; detail?: RegExp }[] = [
    { name: "unknown route under /scim", method: "GET", path: "/scim/Nope", status: 404 },
    { name: "unknown route under /scim/v2", method: "GET", path: "/scim/v2/Nope/deeper", status: 404 },
    { name: "unknown route outside /scim", method: "GET", path: "/nope", status: 404 },
    { name: "the bare /scim (a query at the root)", method: "GET", path: "/scim", status: 501 },
    { name: "unknown user", method: "GET", path: "/scim/Users/00000000-0000-0000-0000-000000000000", status: 404 },
    { name: "an id that is not valid percent-encoding, named as sent", method: "GET", path: "/scim/Users/%ZZ", status: 404, detail: /"%ZZ"/ },
    { name: "a DELETE of such an id", method: "DELETE", path: "/scim/Groups/abc%E0%A4", status: 404, detail: /"abc%E0%A4"/ },
    { name: "DELETE on the collection", method: "DELETE", path: "/scim/Users", status: 405 },
    { name: "DELETE on the v2 collection", method: "DELETE", path: "/scim/v2/Users", status: 405 },
    { name: "PUT on the collection", method: "PUT", path: "/scim/Groups", body: "{}", status: 405 },
    { name: "PATCH on the collection", method: "PATCH", path: "/scim/Users", body: "{}", status: 405 },
    { name: "POST on a resource", method: "POST", path: "/scim/Users/abc", body: "{}", status: 405 },
    { name: "GET on .search", method: "GET", path: "/scim/Users/.search", status: 405 },
    { name: "malformed JSON", method: "POST", path: "/scim/Users", body: "{\"userName\": ", status: 400, scimType: "invalidSyntax" },
    { name: "malformed JSON as application/json", method: "POST", path: "/scim/Users", body: "{bad", headers: { "content-type": "application/json" }, status: 400, scimType: "invalidSyntax" },
    { name: "malformed JSON in a PUT", method: "PUT", path: "/scim/Users/abc", body: "[1,", status: 400, scimType: "invalidSyntax" },
    { name: "malformed JSON in a PATCH", method: "PATCH", path: "/scim/Groups/abc", body: "}", status: 400, scimType: "invalidSyntax" },
    { name: "malformed JSON in a search", method: "POST", path: "/scim/Users/.search", body: "{'single': 'quotes'}", status: 400, scimType: "invalidSyntax" },
    { name: "a JSON array where a resource belongs", method: "POST", path: "/scim/Users", body: "[1,2]", status: 400 },
    { name: "a JSON string where a resource belongs", method: "POST", path: "/scim/Users", body: "\"user\"", status: 400 },
    { name: "JSON null where a resource belongs", method: "POST", path: "/scim/Users", body: "null", status: 400 },
    { name: "an empty body on POST", method: "POST", path: "/scim/Users", body: "", status: 400 },
    { name: "a body with Content-Length over the limit", method: "POST", path: "/scim/Users", body: JSON.stringify({ displayName: "x".repeat(MAX_BODY + 10) }), headers: { "content-length": String(MAX_BODY + 26) }, status: 413 },
    { name: "a body of another media type", method: "POST", path: "/scim/Users", body: "<user/>", headers: { "content-type": "application/xml" }, status: 415 },
    { name: "a JSON body labelled text/plain", method: "POST", path: "/scim/Users", body: "{}", headers: { "content-type": "text/plain" }, status: 415 },
    { name: "a body nested deeper than max_json_depth", method: "POST", path: "/scim/Users", body: JSON.stringify({ schemas: [USER_SCHEMA], userName: "deep", x: JSON.parse("[".repeat(40) + "]".repeat(40)) }), status: 400, scimType: "invalidSyntax", detail: /nested/i },
    { name: "a bad filter", method: "GET", path: "/scim/Users?filter=userName%20zz%20%22a%22", status: 400, scimType: "invalidFilter" },
    { name: "an empty filter (not a list of everyone)", method: "GET", path: "/scim/Users?filter=", status: 400, scimType: "invalidFilter", detail: /empty/ },
    { name: "a filter of spaces", method: "GET", path: "/scim/Groups?filter=%20%20&excludedAttributes=members", status: 400, scimType: "invalidFilter" },
    { name: "a filter that is not a string in a search (not a list of everyone)", method: "POST", path: "/scim/Users/.search", body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 123 }), status: 400, scimType: "invalidFilter" },
    { name: "a filter given as a list in a search", method: "POST", path: "/scim/Groups/.search", body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: ['displayName eq "x"'] }), status: 400, scimType: "invalidFilter" },
    { name: "a sortOrder that is neither ascending nor descending", method: "GET", path: "/scim/Users?sortBy=userName&sortOrder=sideways", status: 400, scimType: "invalidValue", detail: /"ascending" and "descending"/ },
    { name: "a sortOrder that is neither ascending nor descending in a search", method: "POST", path: "/scim/Groups/.search", body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], sortBy: "displayName", sortOrder: "up" }), status: 400, scimType: "invalidValue" },
    { name: "a sortBy that is not a string in a search", method: "POST", path: "/scim/Users/.search", body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], sortBy: { a: 1 } }), status: 400, scimType: "invalidValue" },
    { name: "attributes that are not names in a search", method: "POST", path: "/scim/Users/.search", body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], attributes: [1, 2] }), status: 400, scimType: "invalidValue" },
    { name: "an empty filter on Groups names a Group attribute", method: "GET", path: "/scim/Groups?filter=", status: 400, scimType: "invalidFilter", detail: /displayName eq/ },
    { name: "an empty filter in a search", method: "POST", path: "/scim/Users/.search", body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: "" }), status: 400, scimType: "invalidFilter" },
    { name: "PUT on ServiceProviderConfig", method: "PUT", path: "/scim/ServiceProviderConfig", body: "{}", status: 405 },
    { name: "POST on Schemas", method: "POST", path: "/scim/v2/Schemas", body: "{}", status: 405 },
    { name: "DELETE on a resource type", method: "DELETE", path: "/scim/ResourceTypes/User", status: 405 },
    { name: "PATCH on a schema", method: "PATCH", path: `/scim/Schemas/${USER_SCHEMA}`, body: "{}", status: 405 },
    { name: "POST at the root (not a 404 naming the root as where the API is)", method: "POST", path: "/scim", body: "{}", status: 405 },
    { name: "PUT at the v2 root", method: "PUT", path: "/scim/v2", body: "{}", status: 405 },
    { name: "a gzip-compressed body (RFC 9110 §15.5.16)", method: "POST", path: "/scim/Users", body: "{}", headers: { "content-encoding": "gzip" }, status: 415, detail: /Content-Encoding "gzip".*uncompressed/ },
    { name: "two Host lines, joined by Bun (RFC 9112 §3.2)", method: "GET", path: "/scim/Users", headers: { host: "a.example, b.example" }, status: 400, detail: /Host header/ },
    { name: "a Host with user information", method: "GET", path: "/scim/Users", headers: { host: "user@evil.example" }, status: 400 },
    { name: "a Host with a port past 65535", method: "GET", path: "/scim/Users", headers: { host: "scim.example.com:99999" }, status: 400 },
    { name: "an IPv6 Host with a port past 65535", method: "GET", path: "/scim/Users", headers: { host: "[::1]:70000" }, status: 400 },
    { name: "a Host with a path", method: "POST", path: "/scim/Users", body: JSON.stringify({ schemas: [USER_SCHEMA], userName: "host-with-path" }), headers: { host: "evil.example/foo?" }, status: 400, detail: /Host header/ },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.method} ${c.path} -> ${c.status}`, async () => {
      const res = await t.request(c.method, c.path, c.body, { headers: c.headers });
      expect(res.status).not.toBe(422);
      const body = await expectScimError(res, c.status, c.scimType);
      if (c.detail) expect(body.detail).toMatch(c.detail);
    });
  }

  test("a filter longer than max_filter_length is 400 invalidFilter, as every filter error", async () => {
    const res = await t.request("GET", `/scim/Users?filter=${encodeURIComponent(`userName eq "${"x".repeat(4096)}"`)}`);
    const body = await expectScimError(res, 400, "invalidFilter");
    expect(body.detail).toMatch(/^The filter is 4110 characters long, more than the 4096 allowed/);
  });

  test("a 405 names the allowed methods in Allow, HEAD with GET (it is served)", async () => {
    for (const [path, allow] of [["/scim/Users", "GET, HEAD, POST"], ["/scim/Users/x", "GET, HEAD, PUT, PATCH, DELETE"], ["/scim/Schemas", "GET, HEAD"], ["/scim", "GET, HEAD"]]) {
      const res = await t.request("OPTIONS", path!);
      expect([path, res.status, res.headers.get("allow")]).toEqual([path, 405, allow]);
    }
    const created = await t.json("POST", "/scim/Users", newUser());
    expect((await t.request("HEAD", `/scim/Users/${created.body.id}`)).status).toBe(200);
  });

  test("a body on DELETE is ignored (RFC 9110 §9.3.5), whatever it holds", async () => {
    for (const [type, body] of [["text/plain", "x"], ["application/json", "{bad"]]) {
      const created = await t.json("POST", "/scim/Users", newUser());
      const res = await t.request("DELETE", `/scim/Users/${created.body.id}`, body, { headers: { "content-type": type! } });
      expect([type, res.status]).toEqual([type, 204]);
      expect((await t.request("GET", `/scim/Users/${created.body.id}`)).status).toBe(404);
    }
  });

  test("a body marked identity-coded is read as it is", async () => {
    const res = await t.request("POST", "/scim/Users", newUser(), { headers: { "content-encoding": "identity" } });
    expect(res.status).toBe(201);
  });

  test("valid Host values are served, and written into Location as sent; an empty Host is the server's own", async () => {
    for (const host of ["scim.example.com", "scim.example.com:8443", "10.0.0.5:8080", "[::1]:8080", "scim_svc", "api"]) {
      const res = await t.request("POST", "/scim/Users", newUser(), { headers: { host } });
      expect([host, res.status]).toEqual([host, 201]);
      expect(res.headers.get("location")).toStartWith(`http://${host}/scim/Users/`);
    }
    const res = await t.request("POST", "/scim/Users", newUser(), { headers: { host: "" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toStartWith("http://localhost/scim/Users/");
  });

  test("an oversized body sent without Content-Length (chunked) is 413", async () => {
    // Clients that stream (Transfer-Encoding: chunked) send no Content-Length; the limit must still hold.
    const text = JSON.stringify({ schemas: [USER_SCHEMA], userName: "big@example.com", displayName: "x".repeat(MAX_BODY * 4) });
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(text));
        c.close();
      },
    });
    const req = new Request("http://localhost/scim/Users", {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/scim+json" },
      body,
    });
    expect(req.headers.get("content-length")).toBeNull();
    await expectScimError(await t.app.handle(req), 413);
  });

  test("an oversized string body without a Content-Length header is 413", async () => {
    const text = JSON.stringify({ schemas: [USER_SCHEMA], userName: "big2@example.com", displayName: "x".repeat(MAX_BODY * 2) });
    await expectScimError(await t.request("POST", "/scim/Users", text), 413);
  });

  test("a body at the limit is accepted", async () => {
    const base = JSON.stringify({ schemas: [USER_SCHEMA], userName: `edge${++seq}@example.com`, displayName: "" });
    const text = JSON.stringify({ schemas: [USER_SCHEMA], userName: `edge${seq}@example.com`, displayName: "x".repeat(MAX_BODY - base.length) });
    expect(Buffer.byteLength(text)).toBe(MAX_BODY);
    expect((await t.request("POST", "/scim/Users", text, { headers: { "content-length": String(MAX_BODY) } })).status).toBe(201);
  });
});

describe("ServiceProviderConfig", () => {
  test("answers 200 with its schema under both prefixes", async () => {
    for (const prefix of ["/scim", "/scim/v2"]) {
      const res = await t.json("GET", `${prefix}/ServiceProviderConfig`);
      expect(res.status).toBe(200);
      expect(res.body.schemas).toEqual([SERVICE_PROVIDER_CONFIG_SCHEMA]);
      expect(res.body.patch).toEqual({ supported: true });
      expect(res.body.authenticationSchemes.some((s: { type: string }) => s.type === "oauthbearertoken")).toBe(true);
    }
  });
});

describe("discovery endpoints (RFC 7644 §4)", () => {
  test("a filter is refused with 403, so that the whole list is never taken for the matches", async () => {
    for (const path of ["/scim/Schemas", "/scim/ResourceTypes", "/scim/v2/schemas", "/scim/ServiceProviderConfig", "/scim/ResourceTypes/User"]) {
      const body = await expectScimError(await t.request("GET", `${path}?filter=${encodeURIComponent('id eq "nothing"')}`), 403);
      expect(body.detail).toMatch(/filter/);
    }
  });

  test("paging and sorting parameters are ignored: the whole list", async () => {
    const all = await t.json("GET", "/scim/Schemas");
    const paged = await t.json("GET", "/scim/Schemas?startIndex=2&count=1&sortBy=name&sortOrder=descending");
    expect(paged.status).toBe(200);
    expect(paged.body.Resources.map((r: { id: string }) => r.id)).toEqual(all.body.Resources.map((r: { id: string }) => r.id));
    expect(paged.body.totalResults).toBe(all.body.totalResults);
  });

  test("/Schemas also describes the discovery documents: ServiceProviderConfig, ResourceType and Schema (RFC 7643 §8.7.2)", async () => {
    const all = await t.json("GET", "/scim/Schemas");
    for (const urn of ["ServiceProviderConfig", "ResourceType", "Schema"].map((n) => `urn:ietf:params:scim:schemas:core:2.0:${n}`)) {
      expect(all.body.Resources.map((r: { id: string }) => r.id)).toContain(urn);
      const one = await t.json("GET", `/scim/Schemas/${urn}`);
      expect([one.status, one.body.id, one.body.meta.location]).toEqual([200, urn, `http://localhost/scim/Schemas/${urn}`]);
    }
    expect(all.body.totalResults).toBe(all.body.Resources.length);
  });

  test("a name that is not valid percent-encoding is a 404 naming it, not a 500", async () => {
    const schema = await expectScimError(await t.request("GET", "/scim/Schemas/urn%ZZ"), 404);
    expect(schema.detail).toContain('"urn%ZZ"');
    const type = await expectScimError(await t.request("GET", "/scim/ResourceTypes/%E0%A4"), 404);
    expect(type.detail).toContain('"%E0%A4"');
    expect((await t.json("GET", "/scim/ResourceTypes/User")).status).toBe(200);
  });
});

describe("X-Request-Id", () => {
  const echoed = ["abc-123", "req_2024.01.01:7", "0f8fad5b-d9cb-469f-a165-70867728950e"];
  for (const id of echoed) {
    test(`an incoming ${id} is echoed`, async () => {
      const res = await t.request("GET", "/scim/Users", undefined, { headers: { "x-request-id": id } });
      expect(res.headers.get("x-request-id")).toBe(id);
    });
  }

  test("is echoed on errors too (401, 404, 400)", async () => {
    const cases: [string, string, string | undefined, { auth?: null }][] = [
      ["GET", "/scim/Users", undefined, { auth: null }],
      ["GET", "/scim/Nope", undefined, {}],
      ["POST", "/scim/Users", "{", {}],
    ];
    for (const [method, path, body, o] of cases) {
      const res = await t.request(method, path, body, { ...o, headers: { "x-request-id": "trace-42" } });
      expect(res.headers.get("x-request-id")).toBe("trace-42");
    }
  });

  test("one is generated when none is sent, different each time", async () => {
    const a = (await t.request("GET", "/scim/Users")).headers.get("x-request-id");
    const b = (await t.request("GET", "/scim/Users", undefined, { auth: null })).headers.get("x-request-id");
    expect(a).toMatch(/^[A-Za-z0-9._:-]{8,}$/);
    expect(b).toMatch(/^[A-Za-z0-9._:-]{8,}$/);
    expect(a).not.toBe(b);
  });

  const unsafe = ["has space", "x".repeat(500), "line\u0007bell", "<script>"];
  for (const id of unsafe) {
    test(`an unsafe incoming id (${JSON.stringify(id.slice(0, 12))}) is replaced by a generated one`, async () => {
      const res = await t.request("GET", "/scim/Users", undefined, { headers: { "x-request-id": id } });
      const got = res.headers.get("x-request-id");
      expect(got).toBeTruthy();
      expect(got).not.toBe(id);
    });
  }
});

describe("optional endpoints scimd does not offer", () => {
  test("/Bulk and /Me answer 501 with a SCIM error, under both prefixes", async () => {
    const t = await createTestApp();
    try {
      for (const path of ["/scim/Bulk", "/scim/v2/Bulk", "/scim/Me"]) {
        const res = await t.json("POST", path, { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [] });
        expect(res.status).toBe(501);
        expect(res.body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
        expect(res.body.status).toBe("501");
        expect(res.headers.get("content-type")).toBe("application/scim+json; charset=utf-8");
      }
    } finally {
      t.close();
    }
  });

  test("a query at the root (GET /scim, POST /scim/.search; RFC 7644 §3.4.2.1) answers 501 saying where to query", async () => {
    const t = await createTestApp();
    try {
      const search = { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'userName sw "a"' };
      for (const [method, path] of [["GET", "/scim"], ["GET", "/scim/"], ["GET", "/scim/v2"], ["POST", "/scim/.search"], ["POST", "/scim/v2/.search"]] as const) {
        const res = await t.json(method, path, method === "POST" ? search : undefined);
        expect([path, res.status, res.body.status]).toEqual([path, 501, "501"]);
        expect(res.body.detail).toContain("/Users");
      }
      expect((await t.json("GET", "/scim", undefined, { auth: null })).status).toBe(401);
    } finally {
      t.close();
    }
  });
});

describe("filters on schemas (RFC 7643 §3), as RFC 7644 §3.4.2.2's example does", () => {
  test("schemas eq the enterprise URN finds the users with enterprise attributes; it was a 400 'not an attribute'", async () => {
    const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const tag = `schemas-${Date.now()}`;
    const withEnt = { ...newUser(), title: tag, schemas: [USER_SCHEMA, ENT], [ENT]: { department: "R&D" } };
    const without = { ...newUser(), title: tag };
    for (const u of [withEnt, without]) expect((await t.request("POST", "/scim/Users", JSON.stringify(u))).status).toBe(201);
    const names = async (filter: string) => {
      const res = await t.json("GET", `/scim/Users?filter=${encodeURIComponent(`title eq "${tag}" and (${filter})`)}`);
      expect(res.status).toBe(200);
      return res.body.Resources.map((r: { userName: string }) => r.userName).sort();
    };
    expect(await names(`schemas eq "${ENT}"`)).toEqual([withEnt.userName]);
    expect(await names(`not (schemas eq "${ENT}")`)).toEqual([without.userName]);
    expect(await names(`schemas eq "${USER_SCHEMA}"`)).toEqual([withEnt.userName, without.userName].sort());
    const search = await t.json("POST", "/scim/Users/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      filter: `title eq "${tag}" and schemas eq "${ENT}"`,
    });
    expect(search.body.totalResults).toBe(1);
    expect((await t.json("POST", "/scim/Groups", { schemas: [GROUP_SCHEMA], displayName: tag })).status).toBe(201);
    const groups = await t.json("GET", `/scim/Groups?filter=${encodeURIComponent(`schemas eq "${GROUP_SCHEMA}"`)}&count=0`);
    const all = await t.json("GET", "/scim/Groups?count=0");
    expect(groups.status).toBe(200);
    expect(groups.body.totalResults).toBeGreaterThan(0);
    expect(groups.body.totalResults).toBe(all.body.totalResults);
  });
});

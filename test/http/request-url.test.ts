// pathOf and schemeAndHostOf read a request URL without new URL(); they must agree with it on every URL a
// request can carry (absolute and normalised, as Bun's server and the Request constructor give them).
import { describe, expect, test } from "bun:test";
import { pathOf, schemeAndHostOf } from "../../src/http/request-url.ts";

const urls = [
  "http://localhost/scim/Users",
  "http://127.0.0.1:8080/scim/v2/Users?filter=userName%20eq%20%22a%22",
  "https://scim.example.com/scim/Users/abc#frag",
  "http://[::1]:8080/healthz",
  "http://h/",
  "http://h",
  "http://h?x=/y",
  "http://h/scim/../admin/events?x=1",
  "http://h/scim/%2e%2e/admin",
  "http://h//scim//Users",
  "HTTP://Example.COM:80/Path/To?q#f",
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

import { expect, test } from "bun:test";
import { clientAddress, rememberPeer } from "../../src/http/client-address.ts";

const request = (forwardedFor?: string) => {
  const r = new Request("http://localhost/scim/Users", { headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } });
  rememberPeer(r, "10.0.0.5");
  return r;
};

test("without trust_proxy, X-Forwarded-For is ignored: the peer is the client", () => {
  expect(clientAddress(request("203.0.113.7"), false)).toBe("10.0.0.5");
});

test("with trust_proxy, the client is the hop the proxy appended (the last), not the first one the client may have sent", () => {
  // nginx's $proxy_add_x_forwarded_for appends the peer it saw to what the client sent.
  expect(clientAddress(request("203.0.113.7, 198.51.100.20"), true)).toBe("198.51.100.20");
  expect(clientAddress(request("198.51.100.20"), true)).toBe("198.51.100.20");
  expect(clientAddress(request(" 198.51.100.20 "), true)).toBe("198.51.100.20");
  // Without the header (or with an empty last hop), the peer.
  expect(clientAddress(request(), true)).toBe("10.0.0.5");
  expect(clientAddress(request("203.0.113.7, "), true)).toBe("10.0.0.5");
});

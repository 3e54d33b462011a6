import { InvalidSyntaxError, ScimError } from "../core/errors.ts";

// The parts of a request's URL that scimd reads, taken from the string without building a URL object (each
// `new URL` cost about a microsecond, and a request needed four). Request URLs here are absolute and already
// normalised (Bun's server and the Request constructor resolve dot segments and percent-encode), and
// Elysia routes on the same slice of the string, so authentication and routing see one path.

/**
 * The path, without query string: "http://h:8080/scim/Users?x" -> "/scim/Users". A "#" stays in it: a request
 * target has no fragment, and Elysia's router keeps it too (authentication and routing must read one path).
 */
export function pathOf(url: string): string {
  const authority = url.indexOf("//");
  const start = url.indexOf("/", authority < 0 ? 0 : authority + 2);
  if (start < 0) return "/";
  const end = url.indexOf("?", start);
  return url.slice(start, end < 0 ? url.length : end);
}

/**
 * A trailing path parameter (a resource id, a schema URN) as Elysia decoded it; Elysia passes null for one it
 * cannot percent-decode ("%ZZ"), and that parameter is then the last path segment as sent.
 */
export function lastParam(decoded: string | null | undefined, request: Request): string {
  if (typeof decoded === "string") return decoded;
  const path = pathOf(request.url);
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The scheme without ":" ("http"), and the host with its port ("127.0.0.1:8080"). */
export function schemeAndHostOf(url: string): { scheme: string; host: string } {
  const colon = url.indexOf(":");
  const hostStart = colon + 3;
  let hostEnd = url.indexOf("/", hostStart);
  if (hostEnd < 0) hostEnd = url.length;
  return { scheme: url.slice(0, colon).toLowerCase(), host: url.slice(hostStart, hostEnd) };
}

/**
 * Elysia's router takes the path to start at the first "/" from index 11 of the URL, i.e. after "http://" and a
 * host of at least four characters: behind a proxy that sends a short Host ("api", as nginx does for
 * `proxy_pass http://api;`) every request was routed as a wrong path and answered 404. Such a request gets
 * its host's default port written out ("http://api:80/…", the same URL), so that the path starts where
 * Elysia looks; any other request is returned as it is.
 */
export function withRoutableHost(request: Request): Request {
  const url = request.url;
  const hostStart = url.indexOf("//") + 2;
  const pathStart = url.indexOf("/", hostStart);
  if (hostStart < 2 || pathStart < 0 || pathStart >= 11) return request;
  const host = url.slice(hostStart, pathStart);
  // A short host with a colon has its port already ("a:1"): the port gets leading zeros, which URL parsers
  // read as the same number. (An IPv6 literal is at least "[::]", long enough.)
  const routable = host.includes(":") ? padPort(host, 11 - hostStart) : `${host}${url.startsWith("https:") ? ":443" : ":80"}`;
  return new Request(`${url.slice(0, hostStart)}${routable}${url.slice(pathStart)}`, request);
}

function padPort(host: string, minLength: number): string {
  const colon = host.lastIndexOf(":");
  const name = host.slice(0, colon);
  let port = host.slice(colon + 1);
  while (name.length + 1 + port.length < minLength) port = `0${port}`;
  return `${name}:${port}`;
}

/** Whether `url` starts with its scheme and host, as every URL that authentication and routing read must. */
export const hasOrigin = (url: string): boolean => url.startsWith("http://") || url.startsWith("https://");

/**
 * A request whose URL has no scheme and host (Bun passes "/scim/Users" for HTTP/1.0 without Host, or an empty
 * Host) gets `origin` in front. Elysia's router reads such a URL from index 11 while authentication read the
 * whole path: "/aaaaaaaaaa/scim/Users" was routed to /scim/Users without a token being asked for. Any other
 * target without an origin (CONNECT's "host:port", "*") is null: nothing serves it.
 */
export function withAbsoluteUrl(request: Request, origin: () => string): Request | null {
  if (hasOrigin(request.url)) return request;
  return request.url.charCodeAt(0) === 0x2f ? new Request(origin() + request.url, request) : null;
}

/**
 * RFC 9112 §3.2 / RFC 3986 §3.2.2: a Host value is a host (a name, an IPv4 address or a bracketed IP literal) and
 * an optional port. Bun joins two Host lines into "a, b", which fails this, as do "user@host" and "host/path":
 * such a value would otherwise be written into every Location and meta.location of the answer.
 */
const HOST = /^(?:\[[0-9A-Za-z:.%]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::([0-9]{0,5}))?$/;
export function isHostValue(value: string): boolean {
  const m = HOST.exec(value);
  // A port past 65535 names no port (it was written into Location as sent).
  return m !== null && Number(m[1] || "0") <= 65535;
}

/** The answer to a Host header that is not a host and port (RFC 9112 §3.2: 400). */
export const badHostError = () =>
  new ScimError(400, "The Host header is not a host name with an optional port; send one Host header such as scim.example.com:8080.");

/** The answer to a request target that is no path on this server (CONNECT's "host:port", "*"). */
export const noOriginError = () =>
  new InvalidSyntaxError("The request target is not a path on this server; send a request such as GET /scim/Users with a Host header.");

// The parts of a request's URL that scimd reads, taken from the string without building a URL object (each
// `new URL` cost about a microsecond, and a request needed four). Request URLs here are absolute and already
// normalised (Bun's server and the Request constructor resolve dot segments and percent-encode), and
// Elysia routes on the same slice of the string, so authentication and routing see one path.

/** The path, without query string or fragment: "http://h:8080/scim/Users?x" -> "/scim/Users". */
export function pathOf(url: string): string {
  const authority = url.indexOf("//");
  const start = url.indexOf("/", authority < 0 ? 0 : authority + 2);
  if (start < 0) return "/";
  let end = url.indexOf("?", start);
  if (end < 0) end = url.length;
  const hash = url.indexOf("#", start);
  if (hash >= 0 && hash < end) end = hash;
  return url.slice(start, end);
}

/** The scheme without ":" ("http"), and the host with its port ("127.0.0.1:8080"). */
export function schemeAndHostOf(url: string): { scheme: string; host: string } {
  const colon = url.indexOf(":");
  const hostStart = colon + 3;
  let hostEnd = url.indexOf("/", hostStart);
  if (hostEnd < 0) hostEnd = url.length;
  return { scheme: url.slice(0, colon).toLowerCase(), host: url.slice(hostStart, hostEnd) };
}

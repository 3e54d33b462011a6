/**
 * The socket peer of each request, recorded by the server's fetch handler as a lookup run on first use: the
 * app is driven through app.handle, where Elysia has no server to ask, and asking the socket is a system
 * call (getpeername) that cost about 7 µs per request on a small VM, a seventh of a lookup's whole handling.
 * Most requests never need it: it is read for throttling failed authentications and for log lines.
 */
const peers = new WeakMap<Request, string | (() => string | undefined)>();

export function rememberPeer(request: Request, address: string | (() => string | undefined) | undefined): void {
  if (address) peers.set(request, address);
}

function peerOf(request: Request): string | undefined {
  const p = peers.get(request);
  if (typeof p !== "function") return p;
  const address = p();
  if (address) peers.set(request, address);
  else peers.delete(request);
  return address;
}

/** The client address: the peer, or X-Forwarded-For's first hop when [server] trust_proxy is on. */
export function clientAddress(request: Request, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const fwd = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (fwd) return fwd;
  }
  return peerOf(request);
}

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

/**
 * The client address: the peer, or with [server] trust_proxy the address the proxy appended, the last hop of
 * X-Forwarded-For. The first hop is whatever the client sent: taking it let any client choose its own
 * address, and so escape the throttle of failed authentications and write what it liked in the logs.
 */
export function clientAddress(request: Request, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const header = request.headers.get("x-forwarded-for");
    const last = header?.slice(header.lastIndexOf(",") + 1).trim();
    if (last) return last;
  }
  return peerOf(request);
}

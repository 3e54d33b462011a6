/**
 * The socket peer of each request, recorded by the server's fetch handler: the app is driven through
 * app.handle, where Elysia has no server to ask.
 */
const peers = new WeakMap<Request, string>();

export function rememberPeer(request: Request, address: string | undefined): void {
  if (address) peers.set(request, address);
}

/** The client address: the peer, or X-Forwarded-For's first hop when [server] trust_proxy is on. */
export function clientAddress(request: Request, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const fwd = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (fwd) return fwd;
  }
  return peers.get(request);
}

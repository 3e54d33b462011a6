/** The client address: the peer, or X-Forwarded-For's first hop when [server] trust_proxy is on. */
export function clientAddress(request: Request, peer: string | undefined, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const fwd = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
    if (fwd) return fwd;
  }
  return peer;
}

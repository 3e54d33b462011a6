import { isHostValue, schemeAndHostOf } from "./request-url.ts";

export interface BaseUrlOptions {
  /** `[server] public_url`, e.g. https://scim.example.com/scim; empty to follow the request. */
  readonly publicUrl: string;
  /** `[server] trust_proxy`: honour X-Forwarded-Proto and X-Forwarded-Host. */
  readonly trustProxy: boolean;
}

const first = (v: string | null) => v?.split(",")[0]!.trim() || undefined;

/** The origin a client used, as scimd should write it into meta.location and Location. */
export function requestOrigin(request: Request, opts: BaseUrlOptions): string {
  const url = schemeAndHostOf(request.url);
  let proto = url.scheme;
  // An empty Host (allowed by RFC 9112 §3.2) names no host: the URL's is the listener's own address then.
  let host = request.headers.get("host") || url.host;
  if (opts.trustProxy) {
    // A forwarded value that is no scheme or host a URL can hold ("javascript", "bad host/x") is ignored.
    const forwardedProto = first(request.headers.get("x-forwarded-proto"))?.toLowerCase();
    if (forwardedProto === "http" || forwardedProto === "https") proto = forwardedProto;
    const forwardedHost = first(request.headers.get("x-forwarded-host"));
    if (forwardedHost !== undefined && isHostValue(forwardedHost)) host = forwardedHost;
  }
  return `${proto}://${host}`;
}

/**
 * The SCIM base URL for this request: public_url when configured (its path replaces the request's /scim
 * prefix, keeping a /v2 suffix the client used), else the request's origin and prefix.
 */
export function baseUrlFor(request: Request, prefix: string, opts: BaseUrlOptions): string {
  if (opts.publicUrl) {
    const base = opts.publicUrl.replace(/\/+$/, "");
    return prefix.endsWith("/v2") && !base.endsWith("/v2") ? `${base}/v2` : base;
  }
  return requestOrigin(request, opts) + prefix;
}

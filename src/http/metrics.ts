import { heapSize } from "bun:jsc";
import { timingSafeEqual, createHash } from "node:crypto";

// Prometheus text exposition (format 0.0.4), written by hand: a few counters, one histogram and gauges
// read at scrape time. Route labels are templates (`/scim/Users/:id`), never raw paths, so the series
// count stays bounded whatever clients send.

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

export interface DirectoryCounts {
  readonly usersActive: number;
  readonly usersInactive: number;
  readonly groups: number;
}

type PendingSource = () => number | Promise<number>;
let webhookEventsPending: PendingSource = () => 0;

/**
 * The webhook worker registers how many events still wait for delivery (all endpoints); until it does,
 * `scimd_webhook_events_pending` is 0.
 */
export function registerWebhookEventsPending(source: PendingSource): void {
  webhookEventsPending = source;
}

const RESOURCE_SEGMENTS = new Map(["Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Bulk", "Me"].map((s) => [s.toLowerCase(), s]));

/** The route template of a path: ids replaced by `:id`, unknown paths folded into `other`. */
export function routeTemplate(path: string): string {
  if (path === "/healthz" || path === "/readyz" || path === "/metrics") return path;
  const m = /^(\/scim(?:\/v2)?)(\/.*)?$/.exec(path);
  if (!m) return path === "/admin" || path.startsWith("/admin/") ? "/admin/*" : "other";
  const prefix = m[1]!;
  const segments = (m[2] ?? "").split("/").filter(Boolean);
  if (segments.length === 0) return prefix;
  if (segments.length === 1 && segments[0] === ".search") return `${prefix}/.search`;
  const resource = RESOURCE_SEGMENTS.get(segments[0]!.toLowerCase());
  if (!resource) return `${prefix}/other`;
  if (segments.length === 1) return `${prefix}/${resource}`;
  if (segments.length === 2) return segments[1] === ".search" ? `${prefix}/${resource}/.search` : `${prefix}/${resource}/:id`;
  return `${prefix}/${resource}/other`;
}

const escapeLabel = (v: string) => v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;

interface Histogram {
  readonly counts: number[];
  sum: number;
  count: number;
}

export interface Metrics {
  /** Records one finished request; `seconds` is the time to the response. */
  observe(method: string, path: string, status: number, seconds: number): void;
  /** The exposition text; `counts` is read from the database at scrape time. */
  render(counts: () => DirectoryCounts | Promise<DirectoryCounts>): Promise<string>;
}

export function createMetrics(info: { version: string }): Metrics {
  const requests = new Map<string, { method: string; route: string; status: string; n: number }>();
  const latency = new Map<string, { method: string; route: string; h: Histogram }>();
  const started = Date.now() / 1000;
  return {
    observe(method, path, status, seconds) {
      const route = routeTemplate(path);
      const rk = `${method} ${route} ${status}`;
      const r = requests.get(rk);
      if (r) r.n++;
      else requests.set(rk, { method, route, status: String(status), n: 1 });
      const lk = `${method} ${route}`;
      let l = latency.get(lk);
      if (!l) latency.set(lk, (l = { method, route, h: { counts: BUCKETS.map(() => 0), sum: 0, count: 0 } }));
      for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]!) l.h.counts[i]!++;
      l.h.sum += seconds;
      l.h.count++;
    },
    async render(counts) {
      const out: string[] = [];
      const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

      family("scimd_build_info", "gauge", "The running scimd version.");
      out.push(`scimd_build_info${labels({ version: info.version })} 1`);

      family("scimd_http_requests_total", "counter", "HTTP requests by method, route template and status.");
      for (const r of requests.values()) out.push(`scimd_http_requests_total${labels({ method: r.method, route: r.route, status: r.status })} ${r.n}`);

      family("scimd_http_request_duration_seconds", "histogram", "Time to the response, by method and route template.");
      for (const { method, route, h } of latency.values()) {
        BUCKETS.forEach((b, i) => out.push(`scimd_http_request_duration_seconds_bucket${labels({ method, route, le: String(b) })} ${h.counts[i]}`));
        out.push(`scimd_http_request_duration_seconds_bucket${labels({ method, route, le: "+Inf" })} ${h.count}`);
        out.push(`scimd_http_request_duration_seconds_sum${labels({ method, route })} ${h.sum}`);
        out.push(`scimd_http_request_duration_seconds_count${labels({ method, route })} ${h.count}`);
      }

      const c = await counts();
      family("scimd_users", "gauge", "SCIM users by state (a user without the active attribute counts as active).");
      out.push(`scimd_users${labels({ state: "active" })} ${c.usersActive}`, `scimd_users${labels({ state: "inactive" })} ${c.usersInactive}`);
      family("scimd_groups", "gauge", "SCIM groups.");
      out.push(`scimd_groups ${c.groups}`);

      let pending = 0;
      try {
        pending = await webhookEventsPending();
      } catch {
        pending = Number.NaN;
      }
      family("scimd_webhook_events_pending", "gauge", "Events waiting for webhook delivery.");
      out.push(`scimd_webhook_events_pending ${pending}`);

      family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
      out.push(`process_resident_memory_bytes ${process.memoryUsage.rss()}`);
      // From the engine (heapSize() reads a counter; heapStats() walked the whole heap, 190 ms at 4 million
      // objects, on the event loop). Bun's process.memoryUsage() reported heapUsed above heapTotal, so there is
      // no heap size figure.
      family("process_heap_bytes", "gauge", "JavaScript heap used, in bytes.");
      out.push(`process_heap_bytes ${heapSize()}`);
      family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.");
      out.push(`process_start_time_seconds ${started}`);
      return out.join("\n") + "\n";
    },
  };
}

/** Constant-time comparison of a presented bearer token with `[metrics] token` (hashed first: equal lengths). */
export function metricsTokenMatches(authorization: string | null, token: string): boolean {
  if (token === "") return true;
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? "");
  const given = createHash("sha256").update(m?.[1]?.trim() ?? "").digest();
  const want = createHash("sha256").update(token).digest();
  return timingSafeEqual(given, want) && m !== null;
}

/** GET /metrics: 401 without the token, 405 for other methods, else the exposition. */
export async function metricsResponse(request: Request, metrics: Metrics, token: string, counts: () => DirectoryCounts | Promise<DirectoryCounts>): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") return new Response("Only GET is supported on /metrics.\n", { status: 405, headers: { allow: "GET, HEAD" } });
  if (!metricsTokenMatches(request.headers.get("authorization"), token))
    return new Response("A bearer token is required: send the [metrics] token as \"Authorization: Bearer <token>\".\n", { status: 401, headers: { "www-authenticate": 'Bearer realm="scimd-metrics"' } });
  try {
    const body = await metrics.render(counts);
    return new Response(request.method === "HEAD" ? null : body, { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
  } catch (e) {
    return new Response(`Metrics are unavailable (${(e as Error).message}); check that the database is open.\n`, { status: 503 });
  }
}

import type { Database } from "bun:sqlite";
import type { Config } from "../config/schema.ts";
import { createMetrics, metricsResponse } from "../http/metrics.ts";
import type { Logger } from "../log/logger.ts";
import { openDatabase } from "../storage/db.ts";
import { directoryCounts } from "../storage/directory-counts.ts";
import { VERSION } from "../version.ts";
import { CliError, listenFailure } from "./common.ts";
import { hasOrigin, pathOf } from "../http/request-url.ts";

export interface MetricsService {
  /** On the main listener: the /metrics response when metrics are served there, else null. */
  intercept(request: Request, path: string): Promise<Response> | null;
  observe(method: string, path: string, status: number, seconds: number): void;
  /** Where /metrics is served, for the start line. */
  readonly where: string;
  stop(): void;
}

/** "host:port", "[::1]:port" -> hostname and port. */
export function parseListen(listen: string): { hostname: string; port: number } {
  const i = listen.lastIndexOf(":");
  const hostname = listen.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const port = Number(listen.slice(i + 1));
  if (!hostname || !Number.isInteger(port) || port > 65535) throw new CliError(`[metrics] listen "${listen}" is not "host:port"; write for example "127.0.0.1:9464".`, 2);
  return { hostname, port };
}

/**
 * `[metrics]`: null when disabled. Directory counts are read at scrape time on a connection of its own
 * (read-only), so a scrape never waits behind the server's write queue.
 */
export function startMetrics(config: Config, logger: Logger): MetricsService | null {
  const opts = config.metrics;
  if (!opts.enabled) return null;
  const metrics = createMetrics({ version: VERSION });
  let db: Database | undefined;
  const counts = () => directoryCounts((db ??= openDatabase(config.storage.path, { readonly: true })));
  const respond = (request: Request) => metricsResponse(request, metrics, opts.token, counts);
  let side: ReturnType<typeof Bun.serve> | undefined;
  let where = `${config.server.host}:${config.server.port}/metrics`;
  if (opts.listen) {
    const { hostname, port } = parseListen(opts.listen);
    try {
      side = Bun.serve({
        hostname,
        port,
        development: false,
        // Not shared with another process (Bun's production default is SO_REUSEPORT).
        reusePort: false,
        // pathOf, not new URL(): a CONNECT target ("a:1") made URL throw, and Bun answered with a stack trace.
        fetch: (request) => (hasOrigin(request.url) && pathOf(request.url) === "/metrics" ? respond(request) : new Response("Only /metrics is served here.\n", { status: 404 })),
      });
    } catch (e) {
      throw new CliError(listenFailure(`${opts.listen} for [metrics]`, e, { port: "[metrics] listen", address: "[metrics] listen (an address of this machine and a port)" }, hostname), 1);
    }
    where = `${hostname}:${side.port}/metrics`;
  }
  if (!opts.token && (opts.listen === "" ? config.server.host : parseListen(opts.listen).hostname) !== "127.0.0.1")
    logger.warn("/metrics is served without a token; set [metrics] token, or [metrics] listen on 127.0.0.1.", { metrics: where });
  return {
    where,
    intercept: (request, path) => (side === undefined && path === "/metrics" ? respond(request) : null),
    observe: (m, p, s, sec) => metrics.observe(m, p, s, sec),
    stop() {
      void side?.stop(true);
      db?.close();
    },
  };
}

import { constants } from "node:crypto";
import type { Logger } from "../log/logger.ts";
import { loadTls, type LoadedTls, type TlsFiles } from "./load-tls.ts";

type BunServer = ReturnType<typeof Bun.serve>;
type FetchHandler = (request: Request, server: BunServer) => Response | Promise<Response>;

export interface ListenerOptions {
  readonly hostname: string;
  readonly port: number;
  readonly maxRequestBodySize: number;
  /** Seconds a silent connection is kept (slow or stalled clients); Bun caps it at 255. */
  readonly idleTimeout?: number;
  /** `[server.tls]`; null or empty paths for plain HTTP. */
  readonly tls: TlsFiles | null;
  readonly fetch: FetchHandler;
  readonly error: (error: Error) => Response;
  readonly logger: Logger;
}

/** Thrown when the listener cannot start (port taken, bad TLS files): one sentence for the CLI. */
export class ListenError extends Error {}

// Bun 1.4 (BoringSSL) already refuses TLS 1.0 and 1.1 by default; the flags keep it so if that default moves.
const SECURE_OPTIONS = constants.SSL_OP_NO_TLSv1 | constants.SSL_OP_NO_TLSv1_1;
// TLS 1.2 with forward secrecy and AEAD only (Mozilla's "intermediate" list): Bun's default also took RSA key
// exchange and CBC-SHA1 suites (AES128-SHA). TLS 1.3's suites are all of that kind and are not set here.
const TLS12_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/**
 * The HTTP(S) listener. Bun 1.4 cannot swap the certificate of a running Bun.serve (`reload({ tls })` is
 * ignored: oven-sh/bun#43815), so a TLS reload starts a second listener on the same address with
 * SO_REUSEPORT and the new certificate, then stops the previous one gracefully: its open connections and
 * in-flight requests finish on the old certificate, new connections get the new one.
 * Caveat (Linux): connections still in the old socket's accept queue at that instant are reset unless
 * net.ipv4.tcp_migrate_req = 1 (contrib/sysctl/90-scimd.conf), which hands them to the new socket.
 */
/** Why `[server.tls]` cannot be used, as one sentence (serve refuses to start with it; check-config says it too). */
export const tlsUnusable = (reason: string) => `Cannot use [server.tls]: ${reason}; fix the files or leave cert and key empty for plain HTTP.`;

export class Listener {
  private current: BunServer;
  private readonly retired = new Set<BunServer>();
  private tlsInUse: LoadedTls | null;

  private constructor(
    private readonly opts: ListenerOptions,
    server: BunServer,
    tls: LoadedTls | null,
  ) {
    this.current = server;
    this.tlsInUse = tls;
  }

  static start(opts: ListenerOptions): Listener {
    const files = opts.tls && (opts.tls.cert || opts.tls.key) ? opts.tls : null;
    if (files && (!files.cert || !files.key)) throw new ListenError("[server.tls] needs both cert and key (PEM file paths), or neither for plain HTTP.");
    let tls: LoadedTls | null = null;
    if (files) {
      const r = loadTls(files);
      if (!r.ok) throw new ListenError(tlsUnusable(r.reason));
      tls = r.tls;
      // SO_REUSEPORT would let a second server share the port silently: check that it is free first.
      if (opts.port !== 0) Bun.serve({ hostname: opts.hostname, port: opts.port, fetch: () => new Response() }).stop(true);
    }
    const server = Listener.serve(opts, opts.port, tls);
    return new Listener(opts, server, tls);
  }

  private static serve(opts: ListenerOptions, port: number, tls: LoadedTls | null): BunServer {
    return Bun.serve({
      hostname: opts.hostname,
      port,
      maxRequestBodySize: opts.maxRequestBodySize,
      ...(opts.idleTimeout !== undefined ? { idleTimeout: opts.idleTimeout } : {}),
      development: false,
      // Bun sets SO_REUSEPORT by default in production mode, which let a second scimd on the same port start
      // and take half the connections: off, except with TLS, whose reload starts a new server on the port
      // (start() has checked that the port was free).
      ...(tls ? { reusePort: true, tls: { cert: tls.cert, key: tls.key, secureOptions: SECURE_OPTIONS, ciphers: TLS12_CIPHERS } } : { reusePort: false }),
      fetch: opts.fetch,
      error: opts.error,
    });
  }

  get port(): number {
    return this.current.port!;
  }

  get scheme(): "http" | "https" {
    return this.tlsInUse ? "https" : "http";
  }

  get certificate(): LoadedTls | null {
    return this.tlsInUse;
  }

  /** SIGHUP: re-reads [server.tls]; a bad pair keeps the certificate in use and says why. */
  reloadTls(): boolean {
    const { logger } = this.opts;
    if (!this.tlsInUse || !this.opts.tls) {
      logger.info("SIGHUP received; there is no [server.tls] certificate to reload.");
      return false;
    }
    const r = loadTls(this.opts.tls);
    if (!r.ok) {
      logger.error("TLS certificate not reloaded; still serving the previous certificate.", { reason: r.reason, fingerprint: this.tlsInUse.fingerprint });
      return false;
    }
    let next: BunServer;
    try {
      next = Listener.serve(this.opts, this.port, r.tls);
    } catch (e) {
      logger.error("TLS certificate not reloaded; still serving the previous certificate.", { reason: (e as Error).message, fingerprint: this.tlsInUse.fingerprint });
      return false;
    }
    const old = this.current;
    this.current = next;
    this.tlsInUse = r.tls;
    this.retired.add(old);
    void Promise.resolve(old.stop(false)).finally(() => this.retired.delete(old));
    logger.info("TLS certificate reloaded.", { subject: r.tls.subject, fingerprint: r.tls.fingerprint, validTo: r.tls.validTo });
    return true;
  }

  /** Stops every listener (the current one and any still draining after a reload). */
  async stop(closeActiveConnections: boolean): Promise<void> {
    await Promise.all([this.current, ...this.retired].map((s) => s.stop(closeActiveConnections)));
  }
}

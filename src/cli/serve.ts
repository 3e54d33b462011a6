import { createApp } from "../app.ts";
import { registerWebhookEventsPending } from "../http/metrics.ts";
import { startRetention } from "../events/retention.ts";
import { endpointsOf, WebhookWorker } from "../events/webhooks.ts";
import { parseDuration } from "../config/load.ts";
import { ScimService } from "../core/service.ts";
import { generateSecret, hashSecret } from "../core/tokens.ts";
import { Listener, ListenError } from "../http/listener.ts";
import { clientAddress, rememberPeer } from "../http/client-address.ts";
import { requestToken } from "../http/plugins/auth.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { serviceOptions } from "../service-options.ts";
import { lockPathOf } from "../storage/server-lock.ts";
import { exposedDatabaseFiles } from "../storage/database-files.ts";
import { COMMIT, VERSION } from "../version.ts";
import { CliError, databasePath, listenFailure, lockDatabase, readConfig, withStorage, type Io } from "./common.ts";
import { startMetrics } from "./serve-metrics.ts";
import { noOriginError, pathOf, withAbsoluteUrl, withRoutableHost } from "../http/request-url.ts";
import { errorResponse } from "../http/scim-response.ts";
import { clip } from "../core/quote.ts";

/** Set at a database's first successful start (the initial token is created only before it). */
const FIRST_START_KEY = "first_start";

export interface ServeArgs {
  config?: string;
}

const DRAIN_WINDOW_MS = 500;

/**
 * The level of a request's log line: info for success, warn for a client error (4xx) and for 501 (a client
 * asking for what scimd does not implement, such as /Bulk), error for the other 5xx.
 */
export const levelOf = (status: number): "info" | "warn" | "error" => (status >= 500 && status !== 501 ? "error" : status >= 400 ? "warn" : "info");

export async function serveCommand(args: ServeArgs, io: Io): Promise<void> {
  const { config, source, overrides } = readConfig(args.config, io);
  const logger: Logger = createLogger({ level: config.logging.level, format: config.logging.format });
  for (const note of overrides) logger.warn(`An environment variable replaces a key of the configuration file: ${note}`);
  // One server per database; `scimd restore` takes the same lock (src/storage/server-lock.ts).
  const lock = lockDatabase(config, io);
  if (!lock) throw new CliError(`Another scimd (serve or restore) is using ${config.storage.path} (it holds ${lockPathOf(databasePath(config, io))}); stop it first.`, 1);
  const storage = withStorage(config, io, {
    backgroundCheckpoints: true,
    onCheckpointFailure: (reason) => logger.warn("WAL checkpoints run on the request thread: the checkpoint thread failed.", { error: reason }),
    readThread: true,
    onReadThreadFailure: (reason) => logger.warn("Costly list queries run on the request thread: the read thread failed.", { error: reason }),
    onWritesStopped: (error) =>
      logger.error("An fdatasync of the database failed: the changes since the last good one may be lost, and every write is refused until scimd is restarted (check the disk first).", {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  // New databases are made owner-only; one made by an older build, or by hand, under umask 022 is not.
  const exposed = exposedDatabaseFiles(databasePath(config, io));
  if (exposed.length)
    logger.warn("Other users of this machine can read the database (personal data, token hashes); run chmod 600 on its files and chmod 700 on its folder.", {
      files: exposed.map((f) => `${f.file} (${f.mode.toString(8).padStart(4, "0")})`),
    });
  const service = new ScimService({ repo: storage.repo, options: serviceOptions(config), logger });
  await service.ensureDefaultGroup();

  // First start: a token so that `npm start` is immediately usable for Entra's "Test Connection". A start
  // that then fails (port in use) takes it back: its secret is shown only once, and would be lost. Only on a
  // database that never had a token: after an administrator has revoked every token (an incident), a start
  // must not mint a new one and print it into the journal.
  let initialSecret: string | undefined;
  const firstStart = (await storage.repo.setting(FIRST_START_KEY)) === null;
  // Tokens an administrator made (and revoked) before this start count. A first start that could not listen
  // discards its own initial token with its event (abandon, below), so the next start makes one again.
  if (firstStart && (await storage.tokens.count()) === 0 && (await storage.repo.countEvents({ types: ["token.created"] })) === 0) {
    initialSecret = generateSecret();
    await storage.tokens.create("initial", hashSecret(initialSecret), "scim", new Date().toISOString(), null);
  }
  const abandon = async () => {
    if (initialSecret) await storage.tokens.discard("initial").catch(() => undefined);
    storage.close();
    lock.release();
  };

  let draining = false;
  const app = createApp({ config, service, tokens: storage.tokens, repo: storage.repo, logger, ready: storage.ready, stopping: () => draining });
  const logEveryClient = config.logging.client_address === "always";
  let inFlight = 0;
  // For requests that name no host (HTTP/1.0 without Host): this listener's own address.
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  // The port the listener got (with port = 0, the one the system chose).
  const origin = () => `${config.server.tls.cert ? "https" : "http"}://${host}:${server.port}`;
  let server: Listener;
  let metrics: ReturnType<typeof startMetrics>;
  try {
    metrics = startMetrics(config, logger);
  } catch (e) {
    await abandon();
    throw e;
  }
  try {
    server = Listener.start({
      hostname: config.server.host,
      port: config.server.port,
      // Bun's own limit answers a bare 413; scimd's body reader enforces [limits] max_body_bytes with a SCIM
      // error and stops reading at the limit, so Bun's is only a distant backstop.
      maxRequestBodySize: Math.max(config.limits.max_body_bytes * 64, 256 * 1024 * 1024),
      idleTimeout: Math.min(255, Math.ceil((parseDuration(config.limits.idle_timeout) ?? 30_000) / 1000)),
      tls: config.server.tls,
      logger,
      async fetch(received, srv) {
        const started = performance.now();
        const absolute = withAbsoluteUrl(received, origin);
        if (!absolute) {
          logger.warn("request", { method: received.method, path: clip(received.url, 200), status: 400 });
          return errorResponse(noOriginError(), { connection: "close" });
        }
        const request = withRoutableHost(absolute);
        const path = pathOf(request.url);
        rememberPeer(request, () => srv.requestIP(received)?.address);
        inFlight++;
        let response: Response;
        try {
          response = await (metrics?.intercept(request, path) ?? app.handle(request));
        } finally {
          inFlight--;
        }
        if (draining) response.headers.set("connection", "close");
        metrics?.observe(request.method, path, response.status, (performance.now() - started) / 1000);
        // A failed request's line is a warning (an error for 5xx): with [logging] level = "warn" the failures
        // are still in the log, the successes are not.
        logger[levelOf(response.status)]("request", {
          requestId: response.headers.get("x-request-id") ?? undefined,
          method: request.method,
          // Anyone chooses the path (up to 16 KB): a log line keeps the first 1,000 characters.
          path: clip(path, 1000),
          status: response.status,
          durationMs: Math.round((performance.now() - started) * 100) / 100,
          token: requestToken(request)?.name,
          // Successful requests are identified by their token; the address is looked up for failures (or for
          // every line with [logging] client_address = "always").
          client: logEveryClient || response.status >= 400 ? clientAddress(request, config.server.trust_proxy) : undefined,
        });
        return response;
      },
      error(error) {
        logger.error("Unexpected error while handling a request.", { error: error.message });
        return new Response(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "500", detail: "The server hit an unexpected error; retry the request." }), {
          status: 500,
          headers: { "content-type": "application/scim+json; charset=utf-8" },
        });
      },
    });
  } catch (e) {
    metrics?.stop();
    await abandon();
    if (e instanceof ListenError) throw new CliError(e.message, 2);
    const settings = { port: "[server] port", address: "[server] host (an address of this machine, or 0.0.0.0 for all) and [server] port" };
    throw new CliError(listenFailure(`${config.server.host}:${config.server.port}`, e, settings, config.server.host), 1);
  }
  // Shown once the server listens, in the same turn (no request is served before it is printed).
  if (initialSecret) {
    io.err(`scimd: created the token "initial" for the SCIM API (shown only this once): ${initialSecret}`);
    io.err('scimd: revoke it with "scimd token revoke initial" once you have created your own with "scimd token create --name NAME".');
  }
  // Not awaited: from the moment it listens to the signal handlers below, serve must not yield, or a SIGTERM
  // sent as soon as /healthz answers would end the process without a shutdown (exit by signal, a WAL left).
  if (firstStart)
    void storage.repo.write((tx) => tx.setSetting(FIRST_START_KEY, new Date().toISOString())).catch((e: unknown) =>
      logger.warn("Could not record the database's first start.", { error: e instanceof Error ? e.message : String(e) }),
    );
  if (!initialSecret)
    void storage.tokens.count().then((n) => n === 0 && logger.warn('No token exists, so every SCIM request is refused; create one with "scimd token create --name NAME".'));
  const worker = new WebhookWorker({ repo: storage.repo, endpoints: endpointsOf(config.webhooks), logger, pollMs: 200 });
  worker.start();
  registerWebhookEventsPending(async () => Object.values(await worker.pending()).reduce((a, b) => a + b, 0));
  const stopRetention = startRetention(storage.repo, () => worker.subscriptions(), config.audit.retain_days, logger);
  // After a change to [directory]: existing records take the lists as they now are (in batches, between requests).
  const reconciled = service.reconcileReferences(200, () => draining).then(
    ({ changed, finished }) =>
      finished
        ? changed > 0 && logger.info("Applied the [directory] lists as they now are to existing directory records.", { records: changed })
        : logger.info("Stopped applying the [directory] lists to existing directory records; the next start goes on.", { records: changed }),
    (e) => logger.warn("Applying the [directory] lists to existing directory records stopped.", { error: e instanceof Error ? e.message : String(e) }),
  );
  logger.info("scimd started", { version: VERSION, ...(COMMIT ? { commit: COMMIT } : {}), url: `${server.scheme}://${host}:${server.port}/scim`, config: source, database: config.storage.path, ...(server.certificate ? { certificate: server.certificate.fingerprint, certificateValidTo: server.certificate.validTo } : {}), ...(metrics ? { metrics: metrics.where } : {}) });

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info("scimd stopping", { signal });
      const timeout = parseDuration(config.server.shutdown_timeout) ?? 10_000;
      // Connections the kernel accepted but the server had not yet taken would be reset by closing the
      // listener at once: keep serving (with Connection: close) for a short drain window first.
      draining = true;
      await Bun.sleep(Math.min(DRAIN_WINDOW_MS, timeout / 4));
      // Stop accepting, let in-flight requests finish (bounded), close idle keep-alive connections (Bun's
      // stop(false) would wait for clients to hang up), then checkpoint and close the database.
      void server.stop(false);
      const requestsEnded = async (ms: number) => {
        const deadline = Date.now() + ms;
        while (inFlight > 0 && Date.now() < deadline) await Bun.sleep(5);
      };
      await requestsEnded(timeout);
      if (inFlight > 0) logger.warn("Shutdown timeout reached with requests still running; closing them.", { inFlight });
      await server.stop(true);
      // Queries still waiting for the read thread are abandoned now, while their failures can still be recorded:
      // their requests end at once with a 503 (bounded wait), and the records they schedule are written by the
      // flush below.
      const readRunning = await storage.stopReads();
      await requestsEnded(1_000);
      stopRetention();
      await reconciled;
      await worker.stop();
      // Writes scheduled after the last responses (failure records, token last use) run before the close.
      await Bun.sleep(1);
      await storage.repo.write(async () => undefined).catch(() => undefined);
      await storage.drain();
      storage.close();
      metrics?.stop();
      lock.release();
      logger.info("scimd stopped", { signal });
      // A statement the read thread was running when it was abandoned holds the process until SQLite finishes
      // it (seconds, for the costliest filters): everything is closed, so the process ends without it, once
      // main has set the exit code. (An unref'd timer never fired: the event loop ended, and Bun then waited
      // for the thread.)
      if (readRunning) setTimeout(() => process.exit(), 100);
      resolve();
    };
    process.on("SIGTERM", () => void stop("SIGTERM"));
    process.on("SIGINT", () => void stop("SIGINT"));
    process.on("SIGHUP", () => void (stopping || server.reloadTls()));
  });
}

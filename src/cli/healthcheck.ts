import type { Config } from "../config/schema.ts";
import { CliError, readConfig, type Io } from "./common.ts";

/** The address to probe: loopback when the server listens on every interface, else the configured host. */
function probeHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * `scimd healthcheck`: GET /healthz on this configuration's own port, exit 0 when it answers 200, else 1 (a
 * configuration it cannot read included).
 * For container HEALTHCHECKs where the image has no curl. The certificate is not verified: the question is
 * whether this process answers, not whether the certificate is trusted.
 */
export async function healthcheckCommand(args: { config?: string }, io: Io): Promise<void> {
  let config: Config;
  try {
    ({ config } = readConfig(args.config, io));
  } catch (e) {
    // Unhealthy, not "bad usage": Docker reserves a health check's exit code 2.
    if (e instanceof CliError) throw new CliError(e.message, 1);
    throw e;
  }
  const tls = config.server.tls.cert !== "" && config.server.tls.key !== "";
  const url = `${tls ? "https" : "http"}://${probeHost(config.server.host)}:${config.server.port}/healthz`;
  let status: number;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000), tls: { rejectUnauthorized: false } });
    status = res.status;
    await res.arrayBuffer();
  } catch (e) {
    throw new CliError(`${url} did not answer (${(e as Error).message}); is scimd running?`, 1);
  }
  if (status !== 200) throw new CliError(`${url} answered ${status}; see scimd's log.`, 1);
  io.out(`ok: ${url} answered 200`);
}

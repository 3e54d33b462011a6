import type { ScimError } from "../core/errors.ts";
import type { Repository } from "../core/repository.ts";
import type { Logger } from "../log/logger.ts";
import { requestToken } from "./plugins/auth.ts";
import { requestIdOf } from "./plugins/request-id.ts";
import { pathOf } from "./request-url.ts";

export type RecordFailure = (request: Request, error: ScimError) => void;

/**
 * Every 4xx/5xx on the SCIM API is kept (time, token name, method, path, status, scimType, detail) so an
 * administrator can see why Entra's requests fail. Never the body, the query string or the token: the path
 * alone is recorded, and the write happens after the response, off the request's path.
 */
export function failureRecorder(repo: Repository, logger: Logger, clock: () => Date = () => new Date()): RecordFailure {
  return (request, error) => {
    const path = pathOf(request.url);
    if (!path.startsWith("/scim")) return;
    const failure = {
      time: clock().toISOString(),
      token: requestToken(request)?.name ?? null,
      requestId: requestIdOf(request) ?? null,
      method: request.method,
      path: path.slice(0, 512),
      status: error.status,
      scimType: error.scimType ?? null,
      detail: error.detail.slice(0, 1000),
    };
    setTimeout(() => {
      repo.recordFailure(failure).catch((e: unknown) => logger.warn("Could not record a failed request.", { error: String(e) }));
    }, 0);
  };
}

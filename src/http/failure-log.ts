import type { ScimError } from "../core/errors.ts";
import { isWritesStopped, type Repository } from "../core/repository.ts";
import type { Logger } from "../log/logger.ts";
import { requestExpiredToken, requestToken } from "./plugins/auth.ts";
import { TokenRateLimit } from "./rate-limit.ts";
import { requestIdOf } from "./plugins/request-id.ts";
import { pathOf } from "./request-url.ts";

export type RecordFailure = (request: Request, error: ScimError) => void;

/**
 * Failures of requests without a valid token (401, 429) recorded per second at most: anyone on the internet
 * can send those, and each recorded one is a row written to the database, so a flood must not become a
 * stream of writes that fills the disk. Requests with a valid token are always recorded.
 */
export const UNAUTHENTICATED_FAILURES_PER_SECOND = 10;
/**
 * ... and per hour: a client kept at 10 rows a second would still write some 800 MB a day, which the 90 days of
 * retention would keep. 1,000 rows an hour (about 0.3 MB) shows any attack without becoming one.
 */
export const UNAUTHENTICATED_FAILURES_PER_HOUR = 1000;
const HOUR_MS = 3_600_000;
/** The count of failures left out is logged this long after the first of them. */
const REPORT_AFTER_MS = 60_000;

/**
 * Every 4xx/5xx on the SCIM API is kept (time, token name, method, path, status, scimType, detail) so an
 * administrator can see why Entra's requests fail. Never the body, the query string or the token: the path
 * alone is recorded, and the write happens after the response, off the request's path.
 */
export function failureRecorder(repo: Repository, logger: Logger, clock: () => Date = () => new Date(), reportAfterMs = REPORT_AFTER_MS): RecordFailure {
  // One bucket for every failure without a token (the key 0), with a second's worth of burst.
  const unauthenticated = new TokenRateLimit(UNAUTHENTICATED_FAILURES_PER_SECOND, () => clock().getTime());
  let left = 0;
  let hour = { start: 0, recorded: 0 };
  const report = () => {
    logger.warn("Failed requests without a valid token were not all recorded (a flood from one or more clients).", {
      notRecorded: left,
      recordedPerSecondAtMost: UNAUTHENTICATED_FAILURES_PER_SECOND,
      recordedPerHourAtMost: UNAUTHENTICATED_FAILURES_PER_HOUR,
    });
    left = 0;
  };
  return (request, error) => {
    const path = pathOf(request.url);
    if (!path.startsWith("/scim")) return;
    const at = clock();
    const token = requestToken(request);
    if (!token) {
      // A 429 is the throttle answering a flood already seen: the flood is what recording must not follow.
      if (error.status === 429) return;
      if (at.getTime() - hour.start >= HOUR_MS) hour = { start: at.getTime(), recorded: 0 };
      if (hour.recorded >= UNAUTHENTICATED_FAILURES_PER_HOUR || unauthenticated.take(0) > 0) {
        // The first one left out starts the clock of the report, which a finished process does not wait for.
        if (left++ === 0) setTimeout(report, reportAfterMs).unref?.();
        return;
      }
      hour.recorded++;
    }
    const failure = {
      time: at.toISOString(),
      // An expired token's name says whose configuration to renew; it is still limited as a stranger's failure.
      token: token?.name ?? requestExpiredToken(request) ?? null,
      requestId: requestIdOf(request) ?? null,
      method: request.method,
      // Anyone can choose the path of a request without a token: less of it is kept.
      path: path.slice(0, token ? 512 : 128),
      status: error.status,
      scimType: error.scimType ?? null,
      detail: error.detail.slice(0, 1000),
    };
    setTimeout(() => {
      repo.recordFailure(failure).catch((e: unknown) => {
        // Writes are stopped after a failed fdatasync, which was logged once: not a line more per failed request.
        if (isWritesStopped(e)) return;
        logger.warn("Could not record a failed request.", { error: String(e) });
      });
    }, 0);
  };
}

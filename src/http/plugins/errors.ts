import { Elysia } from "elysia";
import { InvalidSyntaxError, InvalidValueError, isScimError, MethodNotAllowedError, NotFoundError, ServiceUnavailableError, type ScimError } from "../../core/errors.ts";
import { StorageUnavailable } from "../../core/repository.ts";
import type { Logger } from "../../log/logger.ts";
import type { RecordFailure } from "../failure-log.ts";
import { errorResponse, asScimError } from "../scim-response.ts";
import { pathOf } from "../request-url.ts";
import { clip } from "../../core/quote.ts";

const STORAGE_LOG: Record<Exclude<StorageUnavailable["reason"], "stopped">, string> = {
  full: "The disk is full: writes fail until space is freed.",
  failed: "The disk reported an error: writes fail.",
  unsynced: "A change was committed but its fdatasync failed: it may be lost.",
};

/** What the client is told: whether anything of its request was kept, and what to do. */
const STORAGE_DETAIL: Record<StorageUnavailable["reason"], string> = {
  full: "The server's disk is full, so nothing of this request was saved; retry later (its administrator must free disk space).",
  failed: "The server could not save this request (its disk reported an error), so nothing of it was saved; retry later.",
  unsynced:
    "The server's disk reported an error while saving this request, so its change may or may not have been kept; read the resource back before retrying, once the server is restarted.",
  stopped: "The server refuses changes since its disk reported an error, so nothing of this request was saved; retry later (its administrator must check the disk and restart it).",
};

/**
 * Every failure leaves as an RFC 7644 §3.12 error body: unknown routes, Elysia's parse and validation
 * errors (never its default 422), and anything unexpected (a 500 without internals, logged here).
 */
export const scimErrors = (logger: Logger, record: RecordFailure) =>
  new Elysia({ name: "scimd/errors" }).onError({ as: "global" }, ({ code, error, request }) => {
    const failed = (e: ScimError) => {
      record(request, e);
      if (e instanceof MethodNotAllowedError) return errorResponse(e, { allow: e.allow });
      return errorResponse(e, e instanceof ServiceUnavailableError && e.retryAfterSeconds ? { "retry-after": String(e.retryAfterSeconds) } : {});
    };
    if (isScimError(error)) return failed(error);
    if (error instanceof StorageUnavailable) {
      // Entra ID and Okta retry a 503 later. Once writes are stopped, the stop itself was logged: each refused
      // write is only the request's own line.
      if (error.reason !== "stopped") logger.error(STORAGE_LOG[error.reason], { method: request.method, path: pathOf(request.url), error: error.message });
      return failed(new ServiceUnavailableError(STORAGE_DETAIL[error.reason], { retryAfterSeconds: 60 }));
    }
    switch (code) {
      case "NOT_FOUND":
        return failed(new NotFoundError(`There is nothing at ${clip(pathOf(request.url), 120)}; the SCIM API is under /scim (for example /scim/Users).`));
      case "PARSE": {
        // Elysia wraps what the body parser throws (413, 415, nesting) in its own ParseError.
        const cause = (error as { cause?: unknown }).cause;
        return failed(isScimError(cause) ? cause : new InvalidSyntaxError("The request body is not valid JSON; check the syntax and send it again."));
      }
      case "VALIDATION":
        return failed(new InvalidValueError("The request does not have the expected shape; check it against RFC 7644."));
      default: {
        logger.error("Unexpected error while handling a request.", {
          method: request.method,
          path: pathOf(request.url),
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
        return failed(asScimError(error));
      }
    }
  });

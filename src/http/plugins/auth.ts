import { Elysia } from "elysia";
import { ForbiddenError, PayloadTooLargeError, TooManyRequestsError, UnauthorizedError, type ScimError } from "../../core/errors.ts";
import { clientAddress } from "../client-address.ts";
import type { AuthThrottle, TokenRateLimit } from "../rate-limit.ts";
import type { TokenRecord, TokenScope, TokenStore } from "../../core/repository.ts";
import { authenticate, type AuthFailure } from "../../core/tokens.ts";
import type { Logger } from "../../log/logger.ts";
import type { RecordFailure } from "../failure-log.ts";
import { badHostError, hasOrigin, isHostValue, noOriginError, pathOf } from "../request-url.ts";
import { errorResponse } from "../scim-response.ts";

export interface AuthOptions {
  readonly tokens: TokenStore;
  /** Which path prefixes need which token scope, e.g. ["/scim", "scim"]. */
  readonly areas: readonly (readonly [prefix: string, scope: TokenScope])[];
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly clock?: () => Date;
  readonly recordFailure?: RecordFailure;
  /** Repeated 401s from one address are slowed, then answered 429 (RFC 6585) with Retry-After. */
  readonly throttle?: AuthThrottle;
  /** Optional per-token request rate (off by default). */
  readonly tokenRate?: TokenRateLimit;
  readonly trustProxy?: boolean;
}

const MESSAGES: Record<AuthFailure, string> = {
  missing: "The request has no bearer token; send an Authorization: Bearer header with a token from \"scimd token create\".",
  malformed: "The Authorization header is not a bearer token; send \"Authorization: Bearer <token>\".",
  unknown: "The bearer token is not valid (unknown or revoked); create a new one with \"scimd token create\".",
  expired: "The bearer token has expired; create a new one with \"scimd token create\".",
};

/** The token that authenticated each request, for logs and the audit trail. */
const tokenOf = new WeakMap<Request, TokenRecord>();
export const requestToken = (request: Request): TokenRecord | undefined => tokenOf.get(request);
/** The name of the expired token a refused request carried, for the failure record only (it grants nothing). */
const expiredOf = new WeakMap<Request, string>();
export const requestExpiredToken = (request: Request): string | undefined => expiredOf.get(request);

const TOUCH_EVERY_MS = 60_000;

/**
 * Bearer authentication in onRequest, before Elysia reads or validates the body: a request without a valid
 * token is a 401 whatever its body holds. (@elysiajs/bearer reads the header later, in the transform phase,
 * and also accepts ?access_token= in the URL, which this server refuses.)
 */
export const auth = (opts: AuthOptions) => {
  const clock = opts.clock ?? (() => new Date());
  const touched = new Map<number, number>();
  const touch = (token: TokenRecord, now: Date) => {
    const last = touched.get(token.id) ?? 0;
    if (now.getTime() - last < TOUCH_EVERY_MS) return;
    touched.set(token.id, now.getTime());
    // last_used is written after the response, never on the request's path.
    setTimeout(() => {
      opts.tokens.touch(token.id, now.toISOString()).catch((e: unknown) =>
        opts.logger.warn("Could not record a token's last use.", { token: token.name, error: String(e) }),
      );
    }, 0);
  };
  return new Elysia({ name: "scimd/auth" }).onRequest(async ({ request }) => {
    // Authentication and Elysia's router must read one path: a URL without scheme and host (serve makes such
    // URLs absolute first) is refused rather than taken as a path outside the protected areas.
    if (!hasOrigin(request.url)) return errorResponse(noOriginError());
    const host = request.headers.get("host");
    if (host && !isHostValue(host)) return errorResponse(badHostError());
    const path = pathOf(request.url);
    const area = opts.areas.find(([prefix]) => path === prefix || path.startsWith(prefix + "/"));
    if (!area) return;
    const now = clock();
    const result = await authenticate(opts.tokens, request.headers.get("authorization"), now);
    const fail = (error: ScimError, headers: Record<string, string> = {}) => {
      opts.recordFailure?.(request, error);
      return errorResponse(error, headers);
    };
    if (!result.ok) {
      if (result.expiredToken !== undefined) expiredOf.set(request, result.expiredToken);
      // A body sent without a valid token is not read, and the connection is closed after the answer: kept
      // open, Bun would read (and drop) all of it, 1.5 GB if that is what a client sends.
      const closing: Record<string, string> = request.body ? { connection: "close" } : {};
      // The peer is looked up only here (a getpeername call per request otherwise). Without a peer address
      // (app.handle in tests, no socket) there is nothing to throttle by.
      const address = clientAddress(request, opts.trustProxy ?? false);
      // Only failing requests are throttled: a valid token always gets through, so that an attacker behind
      // the same proxy address as Entra ID cannot lock Entra out.
      const delay = address ? (opts.throttle?.fail(address) ?? 0) : 0;
      const blockedFor = address ? (opts.throttle?.retryAfter(address) ?? 0) : 0;
      if (blockedFor > 0)
        return fail(
          new TooManyRequestsError(`Too many failed authentications from this address; wait ${blockedFor} second${blockedFor === 1 ? "" : "s"} and retry with a valid token.`),
          { "retry-after": String(blockedFor), ...closing },
        );
      if (delay > 0) await Bun.sleep(delay);
      // RFC 6750 §3.1: a token that was sent but is unknown or expired is invalid_token; a request without one
      // (or with another scheme) gets no error code.
      const challenge = result.reason === "unknown" || result.reason === "expired" ? 'Bearer realm="scimd", error="invalid_token"' : 'Bearer realm="scimd"';
      return fail(new UnauthorizedError(MESSAGES[result.reason]), { "www-authenticate": challenge, ...closing });
    }
    // The token is known from here on: a failure below is recorded (and logged) under its name.
    tokenOf.set(request, result.token);
    // RFC 6750 §3.1: a valid token without the scope the resource needs is 403 insufficient_scope.
    if (result.token.scope !== area[1])
      return fail(
        new ForbiddenError(`This token has the "${result.token.scope}" scope and cannot be used here; use a token created with --scope ${area[1]}.`),
        { "www-authenticate": 'Bearer realm="scimd", error="insufficient_scope"' },
      );
    const wait = opts.tokenRate?.take(result.token.id) ?? 0;
    if (wait > 0)
      return fail(new TooManyRequestsError(`This token is over its request rate; wait ${wait} second${wait === 1 ? "" : "s"} and retry.`), { "retry-after": String(wait) });
    const length = Number(request.headers.get("content-length") ?? "0");
    if (length > opts.maxBodyBytes) return fail(new PayloadTooLargeError(`The request body is larger than ${opts.maxBodyBytes} bytes; send a smaller request.`));
    touch(result.token, now);
  });
};

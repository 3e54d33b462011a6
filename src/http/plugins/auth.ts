import { Elysia } from "elysia";
import { PayloadTooLargeError, UnauthorizedError, type ScimError } from "../../core/errors.ts";
import type { TokenRecord, TokenScope, TokenStore } from "../../core/repository.ts";
import { authenticate, type AuthFailure } from "../../core/tokens.ts";
import type { Logger } from "../../log/logger.ts";
import type { RecordFailure } from "../failure-log.ts";
import { errorResponse } from "../scim-response.ts";

export interface AuthOptions {
  readonly tokens: TokenStore;
  /** Which path prefixes need which token scope, e.g. ["/scim", "scim"]. */
  readonly areas: readonly (readonly [prefix: string, scope: TokenScope])[];
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly clock?: () => Date;
  readonly recordFailure?: RecordFailure;
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
    const path = new URL(request.url).pathname;
    const area = opts.areas.find(([prefix]) => path === prefix || path.startsWith(prefix + "/"));
    if (!area) return;
    const now = clock();
    const result = await authenticate(opts.tokens, request.headers.get("authorization"), now);
    const fail = (error: ScimError, headers: Record<string, string> = {}) => {
      opts.recordFailure?.(request, error);
      return errorResponse(error, headers);
    };
    if (!result.ok) return fail(new UnauthorizedError(MESSAGES[result.reason]), { "www-authenticate": 'Bearer realm="scimd"' });
    if (result.token.scope !== area[1])
      return fail(
        new UnauthorizedError(`This token has the "${result.token.scope}" scope and cannot be used here; use a token created with --scope ${area[1]}.`),
        { "www-authenticate": 'Bearer realm="scimd", error="insufficient_scope"' },
      );
    tokenOf.set(request, result.token);
    const length = Number(request.headers.get("content-length") ?? "0");
    if (length > opts.maxBodyBytes) return fail(new PayloadTooLargeError(`The request body is larger than ${opts.maxBodyBytes} bytes; send a smaller request.`));
    touch(result.token, now);
  });
};

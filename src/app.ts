import { Elysia, type AnyElysia } from "elysia";
import type { Config } from "./config/schema.ts";
import type { Repository, TokenStore } from "./core/repository.ts";
import { failureRecorder } from "./http/failure-log.ts";
import { AuthThrottle, TokenRateLimit } from "./http/rate-limit.ts";
import { parseDuration } from "./config/load.ts";
import type { ScimService } from "./core/service.ts";
import type { Logger } from "./log/logger.ts";
import { baseUrlFor } from "./http/base-url.ts";
import { auth, requestToken } from "./http/plugins/auth.ts";
import { scimErrors } from "./http/plugins/errors.ts";
import { requestBody } from "./http/plugins/request-body.ts";
import { requestId, requestIdOf } from "./http/plugins/request-id.ts";
import { adminRoutes } from "./http/routes/admin.ts";
import { discoveryRoutes } from "./http/routes/discovery.ts";
import { healthRoutes } from "./http/routes/health.ts";
import { resourceRoutes } from "./http/routes/resources.ts";
import { pathOf } from "./http/request-url.ts";

export interface AppDeps {
  readonly config: Config;
  readonly service: ScimService;
  readonly tokens: TokenStore;
  readonly repo: Repository;
  readonly logger: Logger;
  readonly ready: () => boolean;
  /** True once the server is shutting down: /readyz then answers 503 while the last requests drain. */
  readonly stopping?: () => boolean;
  readonly clock?: () => Date;
}

export const DOCUMENTATION_URI = "https://github.com/scimd/scimd#readme";

/** The SCIM API is served under /scim (Entra's "Tenant URL") and the same routes under /scim/v2. */
const PREFIXES = ["/scim/v2", "/scim"] as const;

function prefixOf(request: Request): string {
  const path = pathOf(request.url);
  return PREFIXES.find((p) => path === p || path.startsWith(p + "/")) ?? "/scim";
}

export function createApp(deps: AppDeps) {
  const { config, service, logger } = deps;
  const urlOpts = { publicUrl: config.server.public_url, trustProxy: config.server.trust_proxy };
  const baseUrlOf = (request: Request) => baseUrlFor(request, prefixOf(request), urlOpts);
  const contextOf = (request: Request) => ({
    baseUrl: baseUrlOf(request),
    tokenName: requestToken(request)?.name,
    requestId: requestIdOf(request),
  });
  // Typed loosely: the full route type of both resource sets exceeds what TypeScript can represent.
  const recordFailure = failureRecorder(deps.repo, logger, deps.clock);
  const scimApi: AnyElysia = new Elysia()
    .use(discoveryRoutes(
      {
        documentationUri: DOCUMENTATION_URI,
        maxResults: config.limits.max_page_size,
        maxOperations: config.limits.max_patch_operations,
        maxPayloadSize: config.limits.max_body_bytes,
        sortSupported: true,
        etagSupported: true,
        changePasswordSupported: false,
      },
      baseUrlOf,
    ))
    .use(resourceRoutes("User", service, contextOf) as AnyElysia)
    .use(resourceRoutes("Group", service, contextOf) as AnyElysia);

  return new Elysia()
    .use(requestId())
    .use(scimErrors(logger, recordFailure))
    .use(
      auth({
        tokens: deps.tokens,
        areas: [["/scim", "scim"], ["/admin", "admin"]],
        maxBodyBytes: config.limits.max_body_bytes,
        logger,
        clock: deps.clock,
        recordFailure,
        trustProxy: config.server.trust_proxy,
        throttle: new AuthThrottle({
          windowMs: parseDuration(config.limits.auth_failure_window) ?? 300_000,
          delayAfter: config.limits.auth_failures_before_delay,
          blockAfter: config.limits.auth_failures_before_block,
        }),
        tokenRate: config.limits.token_requests_per_second > 0 ? new TokenRateLimit(config.limits.token_requests_per_second) : undefined,
      }),
    )
    .use(requestBody({ maxBodyBytes: config.limits.max_body_bytes, maxJsonDepth: config.limits.max_json_depth }))
    .use(healthRoutes(deps.ready, deps.stopping))
    .use(adminRoutes(deps.repo))
    .group(PREFIXES[0], (g) => g.use(scimApi))
    .group(PREFIXES[1], (g) => g.use(scimApi));
}

export type App = ReturnType<typeof createApp>;

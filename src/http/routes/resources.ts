import { Elysia } from "elysia";
import { InvalidFilterError, InvalidSyntaxError, InvalidValueError } from "../../core/errors.ts";
import type { ResourceKind } from "../../core/repository.ts";
import { projectionOf, type ListParams, type RequestContext, type ScimService } from "../../core/service.ts";
import { scimBody } from "../scim-response.ts";
import { lastParam } from "../request-url.ts";
import { notAllowed } from "./not-allowed.ts";

export type ContextOf = (request: Request) => RequestContext;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const LIST_PARAMS = ["filter", "startIndex", "count", "sortBy", "sortOrder", "attributes", "excludedAttributes"] as const;
const LIST_PARAM_BY_LOWER = new Map<string, string>(LIST_PARAMS.map((n) => [n.toLowerCase(), n]));

/**
 * The query parameters of a list, read without regard to the case of their names (`?Filter=` was an unknown
 * parameter, and the list came back unfiltered); the RFC spelling wins over another one. One pass over the
 * keys the request has (every request with a query goes through here).
 */
function listParamsOf(query: Record<string, unknown>): ListParams {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const name = LIST_PARAM_BY_LOWER.get(key.toLowerCase());
    if (name !== undefined && (key === name || !(name in query))) out[name] = value;
  }
  return out as ListParams;
}

/**
 * RFC 7644 §3.4.3: a SearchRequest body carries the query parameters; member names without regard to case. A
 * member of the wrong type is a 400: a `filter` of 123 read as no filter listed every resource.
 */
function searchParams(body: unknown): ListParams {
  if (body === undefined) return {};
  if (!isObject(body)) throw new InvalidSyntaxError("The search body must be a JSON object (a SearchRequest); send the query parameters as its members.");
  const p = listParamsOf(body) as Record<string, unknown>;
  // A member written as null is left out (SDKs write every member of a SearchRequest, unset ones as null).
  for (const name of LIST_PARAMS) if (p[name] === null) delete p[name];
  const wrong = (name: string, want: string) => new InvalidValueError(`The search request's "${name}" must be ${want}; send it as in RFC 7644 section 3.4.3.`);
  for (const name of ["sortBy", "sortOrder"]) if (p[name] !== undefined && typeof p[name] !== "string") throw wrong(name, "a string");
  for (const name of ["startIndex", "count"]) if (p[name] !== undefined && typeof p[name] !== "number" && typeof p[name] !== "string") throw wrong(name, "a number");
  for (const name of ["attributes", "excludedAttributes"])
    if (p[name] !== undefined && typeof p[name] !== "string" && !(Array.isArray(p[name]) && (p[name] as unknown[]).every((x) => typeof x === "string")))
      throw wrong(name, "a list of attribute names");
  if (p.filter !== undefined && typeof p.filter !== "string") throw new InvalidFilterError('The search request\'s "filter" must be a string holding a filter expression; send the filter as text.');
  return p as ListParams;
}

/** The id in the path; one that cannot be percent-decoded is the text as sent, which no resource has (a 404 naming it). */
const idOf = (params: { id?: string | null }, request: Request): string => lastParam(params.id, request);


/** One route set for Users and Groups (RFC 7644 §3.2-§3.6). No SCIM rule lives here: each route calls a use case. */
export function resourceRoutes(kind: ResourceKind, service: ScimService, contextOf: ContextOf) {
  const canonical = kind === "User" ? "/Users" : "/Groups";
  // RFC 7644 §3.2 names the endpoints /Users and /Groups; some clients (and Microsoft's reference Postman
  // collection) send /users, which costs nothing to accept.
  const app = new Elysia({ name: `scimd/routes/${kind}` });
  for (const endpoint of [canonical, canonical.toLowerCase()]) endpointRoutes(app, endpoint, kind, service, contextOf);
  return app;
}

const preconditionsOf = (request: Request) => ({ ifMatch: request.headers.get("if-match"), ifNoneMatch: request.headers.get("if-none-match") });

function endpointRoutes(app: Elysia, endpoint: string, kind: ResourceKind, service: ScimService, contextOf: ContextOf) {
  const headers = (etag: string) => ({ etag });
  return app
    .get(endpoint, async ({ request, query, set }) => scimBody(set, await service.list(kind, listParamsOf(query as Record<string, unknown>), contextOf(request))))
    .post(`${endpoint}/.search`, async ({ request, body, set }) => scimBody(set, await service.list(kind, searchParams(body), contextOf(request))))
    .post(endpoint, async ({ request, body, query, set }) => {
      const { resource, etag, location } = await service.create(kind, body, contextOf(request), projectionOf(listParamsOf(query as Record<string, unknown>)));
      return scimBody(set, resource, 201, { location, ...headers(etag) });
    })
    .get(`${endpoint}/:id`, async ({ request, params, query, set }) => {
      // RFC 7232 §3.2: an unchanged resource is 304 without a body.
      const unchanged = await service.readPreconditions(kind, idOf(params, request), preconditionsOf(request));
      if (unchanged) return new Response(null, { status: 304, headers: headers(unchanged) });
      const { resource, etag } = await service.get(kind, idOf(params, request), contextOf(request), projectionOf(listParamsOf(query as Record<string, unknown>)));
      return scimBody(set, resource, 200, headers(etag));
    })
    .put(`${endpoint}/:id`, async ({ request, params, body, query, set }) => {
      const pre = preconditionsOf(request);
      const { resource, etag } = await service.replace(kind, idOf(params, request), body, contextOf(request), pre, projectionOf(listParamsOf(query as Record<string, unknown>)));
      return scimBody(set, resource, 200, headers(etag));
    })
    .patch(`${endpoint}/:id`, async ({ request, params, body, query, set }) => {
      const projection = projectionOf(listParamsOf(query as Record<string, unknown>));
      // RFC 7644 §3.5.2 allows 200 with the resource or 204. Users get 200 and the body (Entra's validator
      // compares it). Groups get 204, as Entra documents for group PATCH, unless the client asks for a
      // representation with attributes/excludedAttributes: a membership change in a group of 100,000
      // members then never reads or sends the member list.
      const wantsBody = kind === "User" || projection.attributes !== undefined || projection.excludedAttributes !== undefined;
      const pre = preconditionsOf(request);
      const { resource, etag } = await service.patch(kind, idOf(params, request), body, contextOf(request), pre, wantsBody ? projection : null);
      return resource ? scimBody(set, resource, 200, headers(etag)) : new Response(null, { status: 204, headers: headers(etag) });
    })
    .delete(`${endpoint}/:id`, async ({ request, params }) => {
      await service.delete(kind, idOf(params, request), contextOf(request), preconditionsOf(request));
      return new Response(null, { status: 204 });
    })
    .all(endpoint, notAllowed("GET, HEAD, POST"))
    .all(`${endpoint}/.search`, notAllowed("POST"))
    .all(`${endpoint}/:id`, notAllowed("GET, HEAD, PUT, PATCH, DELETE"));
}

import { Elysia } from "elysia";
import { ForbiddenError, NotFoundError, NotImplementedError } from "../../core/errors.ts";
import { resourceTypes } from "../../core/discovery/resource-types.ts";
import { schemaResources } from "../../core/discovery/schema-resources.ts";
import { serviceProviderConfig, type ServiceProviderConfigOptions } from "../../core/discovery/service-provider-config.ts";
import { LIST_RESPONSE_SCHEMA } from "../../core/schema/urns.ts";
import { lastParam } from "../request-url.ts";
import { scimJson } from "../scim-response.ts";
import { quoted } from "../../core/quote.ts";
import { notAllowed } from "./not-allowed.ts";

const list = (resources: Record<string, unknown>[]) => ({
  schemas: [LIST_RESPONSE_SCHEMA],
  totalResults: resources.length,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources,
});

/**
 * RFC 7644 §4: the discovery endpoints ignore paging and sorting, and SHOULD answer a filter with 403, so
 * that a client cannot take the whole list for the resources that matched.
 */
function noFilter(query: Record<string, unknown>, endpoint: string): void {
  if (query.filter !== undefined)
    throw new ForbiddenError(`${endpoint} cannot be filtered (RFC 7644 §4); request it without the filter parameter.`);
}

/** RFC 7644 §4: discovery documents generated from the schema registry. */
export function discoveryRoutes(config: Omit<ServiceProviderConfigOptions, "baseUrl">, baseUrlOf: (request: Request) => string) {
  const byId = (items: Record<string, unknown>[], id: string, what: string) => {
    const found = items.find((r) => String(r.id).toLowerCase() === id.toLowerCase() || String(r.name).toLowerCase() === id.toLowerCase());
    if (!found) throw new NotFoundError(`There is no ${what} ${quoted(id)}; list them at /${what === "schema" ? "Schemas" : "ResourceTypes"}.`);
    return found;
  };
  const app = new Elysia({ name: "scimd/routes/discovery" });
  /** A discovery document: no filter (403), paging and sorting ignored; `last` is the trailing path parameter. */
  const doc =
    (endpoint: string, build: (baseUrl: string, last: string) => unknown) =>
    ({ request, query, params }: { request: Request; query: Record<string, unknown>; params?: Record<string, string | null | undefined> }) => {
      noFilter(query, endpoint);
      return scimJson(build(baseUrlOf(request), lastParam(params?.name ?? params?.urn, request)));
    };
  // The RFC spelling, and the same in lower case (as for /Users).
  for (const [spc, types, schemas] of [
    ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"],
    ["/serviceproviderconfig", "/resourcetypes", "/schemas"],
  ] as const)
    app
      .get(spc, doc(spc, (baseUrl) => serviceProviderConfig({ ...config, baseUrl })))
      .get(types, doc(types, (baseUrl) => list(resourceTypes(baseUrl))))
      .get(`${types}/:name`, doc(types, (baseUrl, name) => byId(resourceTypes(baseUrl), name, "resource type")))
      .get(schemas, doc(schemas, (baseUrl) => list(schemaResources(baseUrl))))
      .get(`${schemas}/:urn`, doc(schemas, (baseUrl, urn) => byId(schemaResources(baseUrl), urn, "schema")))
      // RFC 7644 §4: the discovery endpoints are read-only.
      .all(spc, notAllowed("GET, HEAD"))
      .all(types, notAllowed("GET, HEAD"))
      .all(`${types}/:name`, notAllowed("GET, HEAD"))
      .all(schemas, notAllowed("GET, HEAD"))
      .all(`${schemas}/:urn`, notAllowed("GET, HEAD"));
  // RFC 7644 §3.7 and §3.11 are optional; ServiceProviderConfig says bulk is unsupported, and /Me has no
  // meaning for a provisioning token. Both answer 501 rather than a bare 404.
  app.all("/Bulk", () => {
    throw new NotImplementedError("scimd does not support bulk requests; send each operation as its own request.");
  });
  // RFC 7644 §3.4.2.1 and §3.4.3: a query at the root spans every resource type. scimd queries one type at a
  // time; a 404 here read as a wrong base URL.
  app.get("/", () => {
    throw new NotImplementedError("scimd does not query across resource types at the root; query /Users or /Groups instead.");
  });
  // Any other method at the root: 405 (it was a 404 whose detail named the very path it refused).
  app.all("/", notAllowed("GET, HEAD"));
  app.post("/.search", () => {
    throw new NotImplementedError("scimd does not search across resource types at the root; send the search to /Users/.search or /Groups/.search.");
  });
  app.all("/Me", () => {
    throw new NotImplementedError("scimd does not support /Me: a provisioning token is not a user; use /Users/{id}.");
  });
  return app;
}

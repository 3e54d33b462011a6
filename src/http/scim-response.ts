import { InternalError, isScimError, type ScimError } from "../core/errors.ts";
import { stringifyResource } from "../core/resource/json-text.ts";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

const jsonText = (body: unknown): string =>
  body !== null && typeof body === "object" && !Array.isArray(body) ? stringifyResource(body as Record<string, unknown>) : JSON.stringify(body);

/** Every SCIM response: JSON with the RFC 7644 §3.1 media type. */
export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(jsonText(body), { status, headers: { "content-type": SCIM_CONTENT_TYPE, ...headers } });
}

/** Elysia's `set`: the status and headers of the response it builds from a route's return value. */
export interface ResponseSet {
  status?: number | string;
  headers: Record<string, string | number>;
}

/**
 * The same response as scimJson, for a route handler: the status and headers go on Elysia's `set` and the
 * JSON text is returned. Elysia then builds the one Response itself; a Response returned by the handler is
 * copied (its body turned into a stream, its headers merged with the request id's) on every request.
 */
export function scimBody(set: ResponseSet, body: unknown, status = 200, headers?: Record<string, string>): string {
  set.status = status;
  set.headers["content-type"] = SCIM_CONTENT_TYPE;
  if (headers) for (const k in headers) set.headers[k] = headers[k]!;
  return jsonText(body);
}

export function errorResponse(error: ScimError, headers: Record<string, string> = {}): Response {
  return scimJson(error.toBody(), error.status, headers);
}

/** Any thrown value as a SCIM error: ScimErrors as they are, anything else as a 500 without internals. */
export function asScimError(e: unknown): ScimError {
  return isScimError(e) ? e : new InternalError();
}

import { InternalError, isScimError, type ScimError } from "../core/errors.ts";
import { stringifyResource } from "../core/resource/json-text.ts";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

/** Every SCIM response: JSON with the RFC 7644 §3.1 media type. */
export function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const text = body !== null && typeof body === "object" && !Array.isArray(body) ? stringifyResource(body as Record<string, unknown>) : JSON.stringify(body);
  return new Response(text, { status, headers: { "content-type": SCIM_CONTENT_TYPE, ...headers } });
}

export function errorResponse(error: ScimError, headers: Record<string, string> = {}): Response {
  return scimJson(error.toBody(), error.status, headers);
}

/** Any thrown value as a SCIM error: ScimErrors as they are, anything else as a 500 without internals. */
export function asScimError(e: unknown): ScimError {
  return isScimError(e) ? e : new InternalError();
}

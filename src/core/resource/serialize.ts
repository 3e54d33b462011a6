import type { ResourceMeta, ScimResource } from "./types.ts";

export interface MetaInput extends Omit<ResourceMeta, "version" | "location"> {
  version: number | string;
  location: string;
}

/** RFC 7644 §3.14: the resource version as a weak entity tag; a value that already is one is kept. */
export function etagOf(version: number | string): string {
  const v = String(version);
  return v.startsWith('W/"') ? v : `W/"${v}"`;
}

/**
 * RFC 7232 §3.1/§3.2 with weak comparison (RFC 7644 §3.14 uses weak ETags): does an If-Match or
 * If-None-Match header (a list of tags, or `*`) name this ETag?
 */
export function etagMatches(header: string, etag: string): boolean {
  const opaque = (t: string) => t.trim().replace(/^W\//i, "");
  return header.split(",").some((t) => t.trim() === "*" || opaque(t) === opaque(etag));
}

/**
 * The outgoing resource: `schemas` and `id` first, as in the RFC 7643 §8 examples, then the stored
 * attributes, then `meta` (RFC 7643 §3.1) with `version` as the same weak ETag the ETag header carries.
 * Apply before projectResource so that `attributes` / `excludedAttributes` can drop `meta`.
 */
export function withMeta(resource: ScimResource, meta: MetaInput): ScimResource {
  const { schemas, id, meta: _stored, ...attributes } = resource;
  return { schemas, id, ...attributes, meta: metaOf(meta) };
}

/** The outgoing `meta`, in the order withMeta writes it. */
export function metaOf(meta: MetaInput): ResourceMeta {
  return {
    resourceType: meta.resourceType,
    created: meta.created,
    lastModified: meta.lastModified,
    version: etagOf(meta.version),
    location: meta.location,
  };
}

/**
 * A SCIM resource as JSON: core attributes at the top level under their schema spelling,
 * extension attributes under their schema URN key, plus `schemas`, `id`, `externalId` and `meta`.
 */
export type ScimResource = Record<string, unknown>;

export interface ResourceMeta {
  resourceType: string;
  created: string;
  lastModified: string;
  version: string;
  location?: string;
}

import { RESOURCE_SCHEMAS } from "../schema/registry.ts";
import type { ResourceTypeDef } from "../schema/types.ts";
import { RESOURCE_TYPE_SCHEMA } from "../schema/urns.ts";
import { trimSlash } from "./trim-slash.ts";

/** RFC 7643 §6: one ResourceType document per resource type in the registry. */
export function resourceTypes(baseUrl: string): Record<string, unknown>[] {
  return RESOURCE_SCHEMAS.map((rs) => resourceTypeDocument(rs.type, trimSlash(baseUrl)));
}

function resourceTypeDocument(type: ResourceTypeDef, base: string): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema,
  };
  // RFC 7643 §8.6: the Group example has no schemaExtensions; the member is left out when there are none.
  if (type.schemaExtensions.length > 0)
    doc.schemaExtensions = type.schemaExtensions.map((e) => ({ schema: e.schema, required: e.required }));
  doc.meta = { resourceType: "ResourceType", location: `${base}/ResourceTypes/${type.id}` };
  return doc;
}

import { COMMON_ATTRIBUTES } from "../schema/common.ts";
import { DISCOVERY_SCHEMAS } from "../schema/discovery-schemas.ts";
import { ALL_SCHEMAS, RESOURCE_SCHEMAS } from "../schema/registry.ts";
import type { AttributeDef, SchemaDef } from "../schema/types.ts";
import { SCHEMA_SCHEMA } from "../schema/urns.ts";
import { trimSlash } from "./trim-slash.ts";

/**
 * RFC 7643 §7: every schema in the registry with all attribute characteristics. Of the common attributes,
 * the core User and Group schemas list externalId (RFC 7643 §3.1 lets a schema list common attributes):
 * Microsoft's SCIM validator requires every attribute Entra maps, and Entra maps objectId to externalId.
 * id and meta are left out, as in the RFC 7643 §8.7.1 User schema. The schemas of the discovery documents
 * themselves follow (RFC 7643 §8.7.2), so that every document the server returns is described.
 */
export function schemaResources(baseUrl: string): Record<string, unknown>[] {
  const base = trimSlash(baseUrl);
  return [...ALL_SCHEMAS, ...DISCOVERY_SCHEMAS].map((schema) => schemaDocument(schema, base));
}

const EXTERNAL_ID = COMMON_ATTRIBUTES.find((a) => a.name === "externalId")!;
const CORE_IDS = new Set(RESOURCE_SCHEMAS.map((rs) => rs.core.id));

function schemaDocument(schema: SchemaDef, base: string): Record<string, unknown> {
  const attributes = CORE_IDS.has(schema.id) ? [EXTERNAL_ID, ...schema.attributes] : schema.attributes;
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: attributes.map(attributeDocument),
    meta: { resourceType: "Schema", location: `${base}/Schemas/${schema.id}` },
  };
}

function attributeDocument(attribute: AttributeDef): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
  };
  if (attribute.canonicalValues?.length) doc.canonicalValues = [...attribute.canonicalValues];
  if (attribute.referenceTypes?.length) doc.referenceTypes = [...attribute.referenceTypes];
  if (attribute.subAttributes) doc.subAttributes = attribute.subAttributes.map(attributeDocument);
  return doc;
}

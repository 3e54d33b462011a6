import { ALL_SCHEMAS } from "../schema/registry.ts";
import type { AttributeDef, SchemaDef } from "../schema/types.ts";
import { SCHEMA_SCHEMA } from "../schema/urns.ts";
import { trimSlash } from "./trim-slash.ts";

/**
 * RFC 7643 §7: every schema in the registry with all attribute characteristics. Common attributes
 * (id, externalId, meta) are not listed, as in the RFC 7643 §8.7.1 User schema.
 */
export function schemaResources(baseUrl: string): Record<string, unknown>[] {
  const base = trimSlash(baseUrl);
  return ALL_SCHEMAS.map((schema) => schemaDocument(schema, base));
}

function schemaDocument(schema: SchemaDef, base: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument),
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

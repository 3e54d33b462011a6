import { attr, type AttributeDef, type SchemaDef } from "./types.ts";
import { RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA } from "./urns.ts";

// RFC 7643 §5, §6 and §7: the schemas of the discovery documents themselves, listed by /Schemas (as in RFC 7643
// §8.7.2) so that a client can read every document the server returns. Every attribute is read-only: the
// documents describe the server and are not written through the API.

const ro = (name: string, overrides: Partial<Omit<AttributeDef, "name">> = {}): AttributeDef =>
  attr(name, { mutability: "readOnly", ...overrides });

const supported = (what: string) => ro("supported", { type: "boolean", required: true, description: `Whether ${what} is supported.` });
const feature = (name: string, what: string, more: AttributeDef[] = []) =>
  ro(name, { type: "complex", required: true, description: `Whether ${what} is supported.`, subAttributes: [supported(what), ...more] });
const uri = (name: string, description: string, required = false) =>
  ro(name, { type: "reference", referenceTypes: ["uri"], caseExact: true, required, description });

export const serviceProviderConfigSchema: SchemaDef = {
  id: SERVICE_PROVIDER_CONFIG_SCHEMA,
  name: "Service Provider Configuration",
  description: "What this service provider supports of the SCIM protocol.",
  attributes: [
    ro("documentationUri", { type: "reference", referenceTypes: ["external"], description: "Where the service provider's documentation is." }),
    feature("patch", "PATCH"),
    feature("bulk", "the bulk endpoint", [
      ro("maxOperations", { type: "integer", required: true, description: "The most operations in one bulk request." }),
      ro("maxPayloadSize", { type: "integer", required: true, description: "The largest request body, in bytes." }),
    ]),
    feature("filter", "filtering", [ro("maxResults", { type: "integer", required: true, description: "The most resources one list or search returns." })]),
    feature("changePassword", "changing a password"),
    feature("sort", "sorting"),
    feature("etag", "ETags"),
    ro("authenticationSchemes", {
      type: "complex",
      multiValued: true,
      required: true,
      description: "The ways a client authenticates.",
      subAttributes: [
        ro("type", { required: true, description: "The kind of scheme.", canonicalValues: ["oauth", "oauth2", "oauthbearertoken", "httpbasic", "httpdigest"] }),
        ro("name", { required: true, description: "The scheme's common name." }),
        ro("description", { required: true, description: "A description of the scheme." }),
        ro("specUri", { type: "reference", referenceTypes: ["external"], description: "The specification of the scheme." }),
        ro("documentationUri", { type: "reference", referenceTypes: ["external"], description: "Where the scheme is documented." }),
        ro("primary", { type: "boolean", description: "Whether this is the preferred scheme." }),
      ],
    }),
  ],
};

export const resourceTypeSchema: SchemaDef = {
  id: RESOURCE_TYPE_SCHEMA,
  name: "ResourceType",
  description: "A type of resource the service provider offers.",
  attributes: [
    ro("id", { description: "The resource type's identifier." }),
    ro("name", { required: true, description: "The resource type's name, as in meta.resourceType." }),
    ro("description", { description: "What the resource type is." }),
    uri("endpoint", "The resource type's endpoint, relative to the base URL.", true),
    uri("schema", "The URN of the resource type's core schema.", true),
    ro("schemaExtensions", {
      type: "complex",
      multiValued: true,
      description: "The schemas that extend the core schema.",
      subAttributes: [
        uri("schema", "The URN of the extension schema.", true),
        ro("required", { type: "boolean", required: true, description: "Whether a resource must carry the extension." }),
      ],
    }),
  ],
};

/** The characteristics of one attribute (RFC 7643 §7), as each element of `attributes` and `subAttributes` has them. */
const characteristics: AttributeDef[] = [
  ro("name", { required: true, caseExact: true, description: "The attribute's name." }),
  ro("type", {
    required: true,
    description: "The attribute's data type.",
    canonicalValues: ["string", "complex", "boolean", "decimal", "integer", "dateTime", "reference", "binary"],
  }),
  ro("multiValued", { type: "boolean", required: true, description: "Whether the attribute holds a list of values." }),
  ro("description", { description: "What the attribute is." }),
  ro("required", { type: "boolean", description: "Whether a resource must have the attribute." }),
  ro("canonicalValues", { multiValued: true, caseExact: true, description: "Suggested values, such as \"work\" and \"home\"." }),
  ro("caseExact", { type: "boolean", description: "Whether the attribute's values are compared with regard to case." }),
  ro("mutability", { description: "When the attribute can be written.", canonicalValues: ["readOnly", "readWrite", "immutable", "writeOnly"] }),
  ro("returned", { description: "When the attribute is returned.", canonicalValues: ["always", "never", "default", "request"] }),
  ro("uniqueness", { description: "How the attribute's values are unique.", canonicalValues: ["none", "server", "global"] }),
  ro("referenceTypes", { multiValued: true, caseExact: true, description: "What a reference attribute may point to." }),
];

export const schemaSchema: SchemaDef = {
  id: SCHEMA_SCHEMA,
  name: "Schema",
  description: "A schema: the attributes of a resource type or of an extension.",
  attributes: [
    ro("id", { required: true, caseExact: true, description: "The schema's URN." }),
    ro("name", { description: "The schema's name." }),
    ro("description", { description: "What the schema describes." }),
    ro("attributes", {
      type: "complex",
      multiValued: true,
      required: true,
      description: "The schema's attributes.",
      subAttributes: [
        ...characteristics,
        ro("subAttributes", {
          type: "complex",
          multiValued: true,
          description: "The sub-attributes of a complex attribute, with the same characteristics.",
          // Only this schema's own description has sub-attributes two levels down; they are not described further.
          subAttributes: [...characteristics, ro("subAttributes", { type: "complex", multiValued: true, description: "Sub-attributes, in this schema's own description." })],
        }),
      ],
    }),
  ],
};

export const DISCOVERY_SCHEMAS: readonly SchemaDef[] = [serviceProviderConfigSchema, resourceTypeSchema, schemaSchema];

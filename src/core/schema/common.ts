import { attr, type AttributeDef } from "./types.ts";

// RFC 7643 §3.1: attributes every resource has, outside any schema's attribute list.
export const COMMON_ATTRIBUTES: readonly AttributeDef[] = [
  attr("id", {
    description: "Unique identifier for the resource, assigned by the service provider.",
    caseExact: true,
    mutability: "readOnly",
    returned: "always",
    uniqueness: "server",
  }),
  attr("externalId", {
    description: "Identifier for the resource as defined by the provisioning client.",
    caseExact: true,
  }),
  attr("meta", {
    type: "complex",
    description: "Resource metadata.",
    mutability: "readOnly",
    subAttributes: [
      attr("resourceType", { caseExact: true, mutability: "readOnly" }),
      attr("created", { type: "dateTime", mutability: "readOnly" }),
      attr("lastModified", { type: "dateTime", mutability: "readOnly" }),
      attr("location", { type: "reference", referenceTypes: ["uri"], caseExact: true, mutability: "readOnly" }),
      attr("version", { caseExact: true, mutability: "readOnly" }),
    ],
  }),
];

/**
 * RFC 7643 §3 `schemas`, for filters only (`schemas eq "urn:…:enterprise:2.0:User"`, an example of RFC 7644
 * §3.4.2.2): every resource has it, but no schema lists it, so it is not among the attributes above, which
 * /Schemas, projection and PATCH read. URNs are compared without regard to case, as scimd reads them elsewhere.
 */
export const SCHEMAS_ATTRIBUTE: AttributeDef = attr("schemas", {
  type: "reference",
  referenceTypes: ["uri"],
  multiValued: true,
  required: true,
  mutability: "readOnly",
  returned: "always",
  description: "The URIs of the schemas the resource's attributes belong to.",
});

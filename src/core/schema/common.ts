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

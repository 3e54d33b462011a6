import { attr, type SchemaDef } from "./types.ts";
import { ENTERPRISE_USER_SCHEMA } from "./urns.ts";

// RFC 7643 §4.3
export const enterpriseUserSchema: SchemaDef = {
  id: ENTERPRISE_USER_SCHEMA,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: [
    attr("employeeNumber", { description: "Numeric or alphanumeric identifier assigned to a person." }),
    attr("costCenter", { description: "Identifies the name of a cost center." }),
    attr("organization", { description: "Identifies the name of an organization." }),
    attr("division", { description: "Identifies the name of a division." }),
    attr("department", { description: "Identifies the name of a department." }),
    attr("manager", {
      type: "complex",
      description: "The User's manager.",
      subAttributes: [
        attr("value", { caseExact: true, description: "The id of the SCIM resource representing the User's manager." }),
        attr("$ref", { type: "reference", referenceTypes: ["User"], caseExact: true, description: "The URI of the manager's User resource." }),
        attr("displayName", { mutability: "readOnly", description: "The displayName of the User's manager." }),
      ],
    }),
  ],
};

import { attr, type SchemaDef } from "./types.ts";
import { GROUP_SCHEMA } from "./urns.ts";

// RFC 7643 §4.2
export const groupSchema: SchemaDef = {
  id: GROUP_SCHEMA,
  name: "Group",
  description: "Group",
  attributes: [
    attr("displayName", {
      description: "A human-readable name for the Group.",
      required: true,
      uniqueness: "server",
    }),
    attr("members", {
      type: "complex",
      multiValued: true,
      description: "A list of members of the Group.",
      returned: "default",
      subAttributes: [
        attr("value", { caseExact: true, mutability: "immutable", description: "Identifier of the member of this Group." }),
        attr("$ref", { type: "reference", referenceTypes: ["User", "Group"], caseExact: true, mutability: "immutable", description: "The URI of the member resource." }),
        attr("display", { mutability: "readOnly", description: "A human-readable name of the member." }),
        attr("type", { mutability: "immutable", canonicalValues: ["User", "Group"], description: "The type of the member." }),
      ],
    }),
  ],
};

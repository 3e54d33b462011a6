import { attr, type SchemaDef } from "./types.ts";
import { SCIMD_USER_SCHEMA } from "./urns.ts";

// scimd's own extension: the seed product's "site", which Entra maps as a custom extension attribute.
export const scimdUserSchema: SchemaDef = {
  id: SCIMD_USER_SCHEMA,
  name: "ScimdUser",
  description: "scimd User extension",
  attributes: [attr("site", { description: "The site (location) the user belongs to; applied when it names a known site." })],
};

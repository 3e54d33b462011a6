import type { SqlTarget } from "./filter-to-sql.ts";

// How the tables in schema.ts hold each resource type, for the filter and sort compiler.

export const USER_TARGET: SqlTarget = {
  table: "scim_users",
  alias: "u",
  idColumn: "id",
  jsonColumn: "data",
  columns: {
    id: { exact: "id" },
    userName: { exact: "user_name", folded: "user_name_folded" },
    externalId: { exact: "external_id" },
    "meta.created": { exact: "created" },
    "meta.lastModified": { exact: "last_modified" },
  },
  sideTables: {
    // One row per email that has a value: an email without one ({"type": "work"}) has no row.
    emails: { table: "user_emails", ownerColumn: "user_id", subAttributes: { value: { folded: "value_folded" } }, rowPerElement: false },
    // A user's groups are its rows in group_members (filter=groups.value eq "<group id>").
    groups: { table: "group_members", ownerColumn: "member_id", subAttributes: { value: { exact: "group_id" } }, rowPerElement: true },
  },
  notInJson: ["id", "meta", "groups"],
  constants: { "meta.resourceType": "User" },
};

export const GROUP_TARGET: SqlTarget = {
  table: "scim_groups",
  alias: "g",
  idColumn: "id",
  jsonColumn: "data",
  columns: {
    id: { exact: "id" },
    displayName: { exact: "display_name", folded: "display_name_folded" },
    externalId: { exact: "external_id" },
    "meta.created": { exact: "created" },
    "meta.lastModified": { exact: "last_modified" },
  },
  sideTables: {
    members: { table: "group_members", ownerColumn: "group_id", subAttributes: { value: { exact: "member_id" }, type: { exact: "member_type" } }, rowPerElement: true },
  },
  notInJson: ["id", "meta", "members"],
  constants: { "meta.resourceType": "Group" },
};


import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Drizzle tables. drizzle-kit generates drizzle/*.sql from this file (`npm run db:generate`);
// the migrations are applied at start and by `scimd migrate`.

export const tokens = sqliteTable(
  "tokens",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    /** SHA-256 of the secret, hex. The secret itself is never stored. */
    hash: text("hash").notNull(),
    scope: text("scope", { enum: ["scim", "admin"] }).notNull().default("scim"),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at"),
    expiresAt: text("expires_at"),
  },
  (t) => [uniqueIndex("tokens_name_unique").on(t.name), uniqueIndex("tokens_hash_unique").on(t.hash)],
);

/** SCIM User resources as provisioned (`data` is the JSON without id, meta and groups). */
export const scimUsers = sqliteTable(
  "scim_users",
  {
    id: text("id").primaryKey(),
    userName: text("user_name").notNull(),
    /** userName folded with JS toLowerCase(): RFC 7643 §4.1.1 makes it unique without regard to case. */
    userNameFolded: text("user_name_folded").notNull(),
    externalId: text("external_id"),
    displayName: text("display_name"),
    active: integer("active", { mode: "boolean" }),
    data: text("data").notNull(),
    version: integer("version").notNull(),
    created: text("created").notNull(),
    lastModified: text("last_modified").notNull(),
  },
  (t) => [
    uniqueIndex("scim_users_user_name_folded_unique").on(t.userNameFolded),
    index("scim_users_external_id_idx").on(t.externalId),
    // /metrics counts users by state at every scrape: 90-160 ms reading 124,000 whole rows, 14 ms on this index.
    index("scim_users_active_idx").on(t.active),
  ],
);

/** Side table so that `emails.value eq "..."` (Okta's and Entra's lookup) uses an index. */
export const userEmails = sqliteTable(
  "user_emails",
  {
    userId: text("user_id")
      .notNull()
      .references(() => scimUsers.id, { onDelete: "cascade" }),
    valueFolded: text("value_folded").notNull(),
  },
  (t) => [index("user_emails_value_idx").on(t.valueFolded), index("user_emails_user_idx").on(t.userId)],
);

/** SCIM Group resources (`data` is the JSON without id, meta and members). */
export const scimGroups = sqliteTable(
  "scim_groups",
  {
    id: text("id").primaryKey(),
    displayName: text("display_name").notNull(),
    displayNameFolded: text("display_name_folded").notNull(),
    externalId: text("external_id"),
    data: text("data").notNull(),
    version: integer("version").notNull(),
    created: text("created").notNull(),
    lastModified: text("last_modified").notNull(),
  },
  (t) => [
    uniqueIndex("scim_groups_display_name_folded_unique").on(t.displayNameFolded),
    index("scim_groups_external_id_idx").on(t.externalId),
  ],
);

/** Direct membership; a member is a User or a Group (nested groups). */
export const groupMembers = sqliteTable(
  "group_members",
  {
    groupId: text("group_id")
      .notNull()
      .references(() => scimGroups.id, { onDelete: "cascade" }),
    memberId: text("member_id").notNull(),
    memberType: text("member_type", { enum: ["User", "Group"] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.memberId] }), index("group_members_member_idx").on(t.memberId)],
);

/**
 * The directory record: the user an application owns, mapped from the SCIM resource (README, "Integration
 * contract"). It outlives the SCIM resource when `[provisioning] delete = "deactivate"`.
 */
export const directoryUsers = sqliteTable(
  "directory_users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    scimId: text("scim_id").references(() => scimUsers.id, { onDelete: "set null" }),
    username: text("username").notNull(),
    usernameFolded: text("username_folded").notNull(),
    active: integer("active", { mode: "boolean" }).notNull().default(true),
    description: text("description"),
    profession: text("profession"),
    email: text("email"),
    firstName: text("first_name"),
    lastName: text("last_name"),
    phone: text("phone"),
    mobile: text("mobile"),
    employeeCode: text("employee_code"),
    department: text("department"),
    company: text("company"),
    site: text("site"),
    deleted: integer("deleted", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("directory_users_username_folded_unique").on(t.usernameFolded),
    uniqueIndex("directory_users_scim_id_unique").on(t.scimId),
  ],
);

export const schemaTables = { tokens, scimUsers, userEmails, scimGroups, groupMembers, directoryUsers };

/**
 * The audit trail and change feed: one row per state change, appended in the transaction of the change.
 * `seq` only grows (AUTOINCREMENT never reuses a number, even after pruning).
 */
export const events = sqliteTable(
  "events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    time: text("time").notNull(),
    type: text("type").notNull(),
    token: text("token"),
    requestId: text("request_id"),
    resourceType: text("resource_type"),
    resourceId: text("resource_id"),
    name: text("name"),
    /** JSON: for updates, the directory fields that changed, `{field: {before, after}}`; else extra data. */
    data: text("data"),
  },
  // Only `time` is indexed (for pruning): reads walk the log by seq, and every further index would be paid
  // on each change.
  (t) => [index("events_time_idx").on(t.time)],
);

/** Failed SCIM requests (4xx/5xx): never the body or the token, only what explains the failure. */
export const requestFailures = sqliteTable(
  "request_failures",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    time: text("time").notNull(),
    token: text("token"),
    requestId: text("request_id"),
    method: text("method").notNull(),
    path: text("path").notNull(),
    status: integer("status").notNull(),
    scimType: text("scim_type"),
    detail: text("detail"),
  },
  (t) => [index("request_failures_time_idx").on(t.time)],
);

/** Per webhook endpoint: the last event delivered (or parked), so delivery resumes after a restart. */
export const webhookCursors = sqliteTable("webhook_cursors", {
  endpoint: text("endpoint").primaryKey(),
  lastSeq: integer("last_seq").notNull(),
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: text("next_attempt_at"),
  lastError: text("last_error"),
});

/** Events a webhook endpoint could not take within max_age: shown by `webhooks status`, re-sent by `webhooks retry`. */
export const webhookDead = sqliteTable(
  "webhook_dead",
  {
    endpoint: text("endpoint").notNull(),
    seq: integer("seq").notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error"),
    parkedAt: text("parked_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.endpoint, t.seq] })],
);

/** scimd's own small state that must survive a restart, e.g. the `[directory]` lists last applied to the records. */
export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * The hash of every token ever revoked, never pruned (events are): a restore leaves out a backup's token whose
 * hash is here, in the backup or in the database it replaces, so a revoked (perhaps leaked) token never comes back.
 */
export const revokedTokens = sqliteTable("revoked_tokens", {
  hash: text("hash").primaryKey(),
  revokedAt: text("revoked_at").notNull(),
});

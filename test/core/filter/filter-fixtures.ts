// The resources every filter case runs against, in the JSON shape the service returns
// (core attributes at the top, extensions under their URN key, plus id, externalId and meta).

import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_SCHEMA } from "../../../src/core/schema/urns.ts";

export type Resource = Record<string, unknown>;

const ENT = ENTERPRISE_USER_SCHEMA;
const SITE = SCIMD_USER_SCHEMA;

const meta = (resourceType: string, created: string, lastModified: string) => ({
  resourceType,
  created: new Date(created).toISOString(),
  lastModified: new Date(lastModified).toISOString(),
  version: 'W/"1"',
});

const user = (id: string, body: Resource, created: string, lastModified: string): Resource => ({
  schemas: [USER_SCHEMA, ENT, SITE],
  id,
  ...body,
  meta: meta("User", created, lastModified),
});

const usersWithoutGroups: Resource[] = [
  user("u1", {
    externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    userName: "alice@contoso.com",
    name: { givenName: "Alice", familyName: "Smith", formatted: "Alice Smith" },
    displayName: "Alice Smith",
    title: "Engineer",
    active: true,
    emails: [
      { value: "Alice@Contoso.com", type: "work", primary: true },
      { value: "alice@home.example", type: "home" },
    ],
    [ENT]: { department: "Engineering", employeeNumber: "1001", manager: { value: "u3" } },
    [SITE]: { site: "Paris" },
  }, "2024-01-10T09:00:00Z", "2024-03-01T10:00:00Z"),
  user("u2", {
    externalId: "EXT-2",
    userName: "bob@contoso.com",
    name: { givenName: "Bob", familyName: "Jones" },
    displayName: "Bob Jones",
    title: "Engineer",
    active: true,
    emails: [{ value: "bob@contoso.com", type: "work" }],
    [ENT]: { department: "Sales", employeeNumber: "1002", manager: { value: "u3" } },
    [SITE]: { site: "London" },
  }, "2024-02-01T08:30:00Z", "2024-02-01T08:30:00Z"),
  user("u3", {
    externalId: "ext-3",
    userName: "Carol@Fabrikam.com",
    name: { givenName: "Carol", familyName: "White" },
    displayName: "Carol White",
    title: "Director",
    active: true,
    emails: [{ value: "carol@fabrikam.com", type: "work", primary: true }],
    [ENT]: { department: "Engineering", employeeNumber: "0999" },
    [SITE]: { site: "Paris" },
  }, "2023-11-20T17:45:00Z", "2024-05-05T05:05:05.500Z"),
  user("u4", {
    userName: "dave",
    name: { givenName: "Dave" },
    title: "Sales Rep",
    active: false,
    emails: [{ value: "dave@contoso.com", type: "home" }],
    [ENT]: { department: "Sales", manager: { value: "u2" } },
  }, "2024-03-15T00:00:00Z", "2024-03-16T00:00:00Z"),
  user("u5", {
    externalId: "EXT-5",
    userName: "eve@contoso.com",
    displayName: "Eve Adams",
    title: "engineer",
    active: true,
    emails: [],
    name: { givenName: "" },
    [SITE]: { site: "" },
  }, "2024-04-01T12:00:00Z", "2024-04-01T12:00:00Z"),
  user("u6", {
    externalId: "100",
    userName: "frank_o'neil@contoso.com",
    displayName: "Frank O'Neil",
    title: 'The "Boss"',
    active: true,
    emails: [{ value: "frank%test@contoso.com", type: "work" }],
    [ENT]: { department: "R&D_Lab", employeeNumber: "100" },
    [SITE]: { site: "C:\\Sites\\HQ" },
  }, "2024-04-02T12:00:00Z", "2024-06-01T00:00:00Z"),
  user("u7", {
    externalId: "ext-7",
    userName: "GRACE@CONTOSO.COM",
    displayName: "Grace Hopper",
    emails: [
      { value: "grace@contoso.com", type: "other" },
      { value: "grace.h@fabrikam.com", type: "work" },
    ],
    addresses: [{ type: "work", streetAddress: "1 Main St", locality: "Seattle", country: "US" }],
    [ENT]: { department: "Marketing", manager: { value: "u1", displayName: "Alice Smith" } },
    [SITE]: { site: "Seattle" },
  }, "2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z"),
  user("u8", {
    externalId: "Ext-8",
    userName: "zoë@contoso.com",
    displayName: "Zoe Brown",
    title: "Engineer",
    active: false,
    emails: [{ value: "zoe@contoso.com", type: "work", primary: false }],
    [ENT]: { department: "engineering" },
    [SITE]: { site: "Paris" },
  }, "2024-05-10T00:00:00Z", "2024-07-01T00:00:00Z"),
  user("u9", {
    externalId: "ext-9",
    userName: "ivan@fabrikam.com",
    name: { givenName: "Ivan", familyName: "Ivanov" },
    displayName: "Ivan Ivanov",
    title: "Intern",
    active: true,
    emails: [{ value: "ivan@fabrikam.com", type: "work" }],
    phoneNumbers: [{ value: "+1 555 0100", type: "mobile" }],
    [SITE]: { site: "London" },
  }, "2025-06-01T12:00:00+02:00", "2025-06-01T12:00:00+02:00"),
  user("u10", {
    externalId: "ext-10",
    userName: "judy@contoso.com",
    name: { givenName: "Judy", familyName: "Smith" },
    displayName: "Judy Smith",
    title: "Engineer",
    active: true,
    emails: [
      { value: "judy@contoso.com", type: "work" },
      { value: "judy@home.example", type: "home", primary: true },
    ],
    addresses: [{ type: "home", streetAddress: "2 Side Rd", locality: "Paris", country: "FR" }],
    [ENT]: { department: "Sales", employeeNumber: "2000", manager: { value: "u1" } },
    [SITE]: { site: "Paris" },
  }, "2024-08-01T00:00:00Z", "2024-08-02T00:00:00Z"),
];

const group = (id: string, body: Resource, created: string): Resource => ({
  schemas: [GROUP_SCHEMA],
  id,
  ...body,
  meta: meta("Group", created, created),
});

export const GROUPS: readonly Resource[] = [
  group("g1", {
    externalId: "G-1",
    displayName: "Engineering",
    members: [
      { value: "u1", type: "User" },
      { value: "u3", type: "User" },
      { value: "u8", type: "User" },
    ],
  }, "2024-01-01T00:00:00Z"),
  group("g2", {
    externalId: "g-2",
    displayName: "Sales",
    members: [
      { value: "u2", type: "User" },
      { value: "u4", type: "User" },
      { value: "u10", type: "User" },
    ],
  }, "2024-02-01T00:00:00Z"),
  group("g3", {
    externalId: "G-3",
    displayName: "All Staff",
    members: [
      { value: "g1", type: "Group" },
      { value: "g2", type: "Group" },
      { value: "u9", type: "User" },
    ],
  }, "2024-03-01T00:00:00Z"),
  group("g4", { displayName: "Empty Group" }, "2024-04-01T00:00:00Z"),
];

interface Member {
  readonly value: string;
  readonly type: string;
}

/** RFC 7643 §4.1.2 `groups`: derived from direct membership, as the service renders it. */
export const USERS: readonly Resource[] = usersWithoutGroups.map((u) => {
  const groups = GROUPS.filter((g) => ((g.members as Member[] | undefined) ?? []).some((m) => m.value === u.id)).map((g) => ({
    value: g.id,
    display: g.displayName,
    type: "direct",
  }));
  return groups.length > 0 ? { ...u, groups } : u;
});

export const ALL_USER_IDS = USERS.map((u) => u.id as string);
export const ALL_GROUP_IDS = GROUPS.map((g) => g.id as string);

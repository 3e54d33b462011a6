import { COMMON_ATTRIBUTES } from "./common.ts";
import { enterpriseUserSchema } from "./enterprise-user.ts";
import { groupSchema } from "./group.ts";
import { scimdUserSchema } from "./scimd-user.ts";
import type { AttributeDef, ResourceTypeDef, SchemaDef } from "./types.ts";
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, SCIMD_USER_SCHEMA, USER_SCHEMA } from "./urns.ts";
import { userSchema } from "./user.ts";

/** A resource type with its schemas, the unit every path, filter and projection is resolved against. */
export interface ResourceSchema {
  readonly type: ResourceTypeDef;
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
}

/** Where a path such as `urn:...:enterprise:2.0:User:manager.value` or `name.givenName` points. */
export interface ResolvedAttribute {
  /** The schema that defines the attribute (the core schema for common attributes). */
  readonly schema: SchemaDef;
  /** True when the attribute lives under the extension's URN key in the resource JSON. */
  readonly extension: boolean;
  readonly attribute: AttributeDef;
  readonly subAttribute?: AttributeDef;
}

export const userResourceType: ResourceTypeDef = {
  id: "User",
  name: "User",
  endpoint: "/Users",
  description: "User Account",
  schema: USER_SCHEMA,
  schemaExtensions: [
    { schema: ENTERPRISE_USER_SCHEMA, required: false },
    { schema: SCIMD_USER_SCHEMA, required: false },
  ],
};

export const groupResourceType: ResourceTypeDef = {
  id: "Group",
  name: "Group",
  endpoint: "/Groups",
  description: "Group",
  schema: GROUP_SCHEMA,
  schemaExtensions: [],
};

export const USER: ResourceSchema = {
  type: userResourceType,
  core: userSchema,
  extensions: [enterpriseUserSchema, scimdUserSchema],
};

export const GROUP: ResourceSchema = {
  type: groupResourceType,
  core: groupSchema,
  extensions: [],
};

export const RESOURCE_SCHEMAS: readonly ResourceSchema[] = [USER, GROUP];
export const ALL_SCHEMAS: readonly SchemaDef[] = [userSchema, groupSchema, enterpriseUserSchema, scimdUserSchema];

const lower = (s: string) => s.toLowerCase();

const byLowerName = new WeakMap<readonly AttributeDef[], Map<string, AttributeDef>>();

export function findAttribute(attrs: readonly AttributeDef[], name: string): AttributeDef | undefined {
  let index = byLowerName.get(attrs);
  if (!index) {
    index = new Map(attrs.map((a) => [lower(a.name), a]));
    byLowerName.set(attrs, index);
  }
  return index.get(lower(name));
}

/** The schema (core or extension) whose URN this string is, without regard to case. */
export function findSchema(rs: ResourceSchema, urn: string): SchemaDef | undefined {
  const u = lower(urn);
  if (lower(rs.core.id) === u) return rs.core;
  return rs.extensions.find((s) => lower(s.id) === u);
}

/**
 * Splits a possibly URN-qualified attribute path into its schema and the dotted remainder.
 * RFC 7644 §3.10: `urn:...:User:name.givenName`; the URN is the longest known schema id that prefixes it.
 */
export function splitUrn(
  rs: ResourceSchema,
  path: string,
): { schema: SchemaDef | undefined; rest: string; qualified: boolean } {
  if (!/^urn:/i.test(path)) return { schema: undefined, rest: path, qualified: false };
  const p = lower(path);
  for (const s of [rs.core, ...rs.extensions]) {
    const id = lower(s.id);
    if (p === id) return { schema: s, rest: "", qualified: true };
    if (p.startsWith(id + ":")) return { schema: s, rest: path.slice(id.length + 1), qualified: true };
    // Entra ID's provisioning jobs made before December 2018 (customappsso) put a "." after the URN
    // (`...:enterprise:2.0:User.manager`); Microsoft's own Postman collection still sends it.
    if (p.startsWith(id + ".")) return { schema: s, rest: path.slice(id.length + 1), qualified: true };
  }
  return { schema: undefined, rest: path, qualified: true };
}

const resolved = new WeakMap<ResourceSchema, Map<string, ResolvedAttribute | null>>();
const RESOLVE_CACHE_SIZE = 2048;

/**
 * Resolves an attribute path (case-insensitive, optionally URN-qualified, at most one sub-attribute level)
 * to its definitions, or null when the resource type has no such attribute.
 */
export function resolveAttribute(rs: ResourceSchema, path: string): ResolvedAttribute | null {
  // Every request resolves the same few dozen names (parsing, matching and SQL each ask); the cache is
  // cleared when full, so names spelled in many case variants cannot grow it without bound.
  let cache = resolved.get(rs);
  if (!cache) resolved.set(rs, (cache = new Map()));
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const result = resolveUncached(rs, path);
  if (cache.size >= RESOLVE_CACHE_SIZE) cache.clear();
  cache.set(path, result);
  return result;
}

function resolveUncached(rs: ResourceSchema, path: string): ResolvedAttribute | null {
  const { schema, rest, qualified } = splitUrn(rs, path);
  if (qualified && !schema) return null;
  if (rest === "") return null;
  const dot = rest.indexOf(".");
  const head = dot < 0 ? rest : rest.slice(0, dot);
  const sub = dot < 0 ? undefined : rest.slice(dot + 1);
  if (sub !== undefined && (sub === "" || sub.includes("."))) return null;

  let owner: SchemaDef | undefined;
  let attribute: AttributeDef | undefined;
  if (schema) {
    owner = schema;
    attribute = findAttribute(schema.attributes, head);
    if (!attribute && schema === rs.core) attribute = findAttribute(COMMON_ATTRIBUTES, head);
  } else {
    owner = rs.core;
    attribute = findAttribute(rs.core.attributes, head) ?? findAttribute(COMMON_ATTRIBUTES, head);
  }
  if (!attribute || !owner) return null;
  const extension = owner !== rs.core;
  if (sub === undefined) return { schema: owner, extension, attribute };
  if (attribute.type !== "complex" || !attribute.subAttributes) return null;
  const subAttribute = findAttribute(attribute.subAttributes, sub);
  if (!subAttribute) return null;
  return { schema: owner, extension, attribute, subAttribute };
}

/**
 * resolveAttribute for a name a client writes in a PATCH path, a filter, `attributes` or `sortBy`: there,
 * RFC 7644 §3.10 makes qualifying an extension attribute a SHOULD, and an unqualified name that is in no
 * core attribute and in exactly one extension is that extension's (some clients send a bare
 * `manager[value eq "..."]`). Not for the keys of a resource body, where an unknown name is ignored (RFC 7643
 * §2.1) and a qualified extension object must not be overridden by a bare key of the same name.
 */
export function resolvePathName(rs: ResourceSchema, path: string): ResolvedAttribute | null {
  const strict = resolveAttribute(rs, path);
  if (strict || /^urn:/i.test(path)) return strict;
  const head = path.split(".", 1)[0]!;
  const owners = rs.extensions.filter((s) => findAttribute(s.attributes, head));
  return owners.length === 1 ? resolveAttribute(rs, `${owners[0]!.id}:${path}`) : null;
}

/** The definition that governs comparisons: the sub-attribute if there is one, else the attribute. */
export function leafOf(r: ResolvedAttribute): AttributeDef {
  return r.subAttribute ?? r.attribute;
}

type TopLevelAttribute = { readonly schema: SchemaDef; readonly extension: boolean; readonly attribute: AttributeDef };
const topLevel = new WeakMap<ResourceSchema, readonly TopLevelAttribute[]>();

/**
 * Every top-level attribute of the resource type: common, core and each extension's. Built once per resource
 * schema (a PATCH asks twice; building it allocated some 40 objects each time).
 */
export function topLevelAttributes(rs: ResourceSchema): readonly TopLevelAttribute[] {
  let out = topLevel.get(rs);
  if (out) return out;
  const list: TopLevelAttribute[] = [];
  for (const a of COMMON_ATTRIBUTES) list.push({ schema: rs.core, extension: false, attribute: a });
  for (const a of rs.core.attributes) list.push({ schema: rs.core, extension: false, attribute: a });
  for (const s of rs.extensions) for (const a of s.attributes) list.push({ schema: s, extension: true, attribute: a });
  out = Object.freeze(list);
  topLevel.set(rs, out);
  return out;
}

/**
 * The attribute a comparison reads: the sub-attribute when named, else for a complex attribute its
 * `value` sub-attribute (RFC 7644 §3.4.2.2: `emails eq "x"` compares each email's value), else the attribute.
 * Null when a complex attribute has no `value` to compare.
 */
export function comparedLeaf(r: ResolvedAttribute): { readonly sub: AttributeDef | undefined; readonly leaf: AttributeDef } | null {
  if (r.subAttribute) return { sub: r.subAttribute, leaf: r.subAttribute };
  if (r.attribute.type !== "complex") return { sub: undefined, leaf: r.attribute };
  const value = r.attribute.subAttributes ? findAttribute(r.attribute.subAttributes, "value") : undefined;
  return value ? { sub: value, leaf: value } : null;
}

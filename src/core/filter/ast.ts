import { SCHEMAS_ATTRIBUTE } from "../schema/common.ts";
import { resolvePathName, type ResolvedAttribute, type ResourceSchema } from "../schema/registry.ts";

// RFC 7644 §3.4.2.2: one parsed filter tree, interpreted by several walkers
// (in-memory matching in core/filter/match-filter.ts, SQL in storage/filter-to-sql.ts).

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";

export type FilterValue = string | number | boolean | null;

/** An attribute path as written in a filter: optional schema URN, attribute, optional sub-attribute. */
export interface AttrPath {
  /** The schema URN exactly as written, when the path was URN-qualified. */
  readonly uri?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export type FilterNode =
  | { readonly kind: "compare"; readonly path: AttrPath; readonly op: CompareOp; readonly value: FilterValue }
  | { readonly kind: "present"; readonly path: AttrPath }
  | { readonly kind: "and"; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: "or"; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: "not"; readonly expr: FilterNode }
  /** `emails[type eq "work" and value co "@x"]`: the inner filter's paths are relative to the attribute. */
  | { readonly kind: "valuePath"; readonly path: AttrPath; readonly filter: FilterNode };

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** `urn:...:User:name.givenName` form of a path, as a string the registry can resolve. */
export function pathToString(p: AttrPath): string {
  const base = p.subAttribute === undefined ? p.attribute : `${p.attribute}.${p.subAttribute}`;
  return p.uri ? `${p.uri}:${base}` : base;
}

/**
 * resolvePathName for a parsed filter path (resolveAttribute memoises the answers per resource type), and
 * the resource's `schemas`, which filters may name though no schema lists it.
 */
export function resolvePath(rs: ResourceSchema, p: AttrPath): ResolvedAttribute | null {
  if (p.uri === undefined && p.subAttribute === undefined && p.attribute.toLowerCase() === "schemas")
    return { schema: rs.core, extension: false, attribute: SCHEMAS_ATTRIBUTE };
  return resolvePathName(rs, pathToString(p));
}

import { InvalidPathError, MutabilityError } from "../errors.ts";
import { pathToString, type FilterNode } from "../filter/ast.ts";
import type { PatchPath } from "../path/parse-path.ts";
import { isPlainObject } from "../resource/coerce-value.ts";
import type { ScimResource } from "../resource/types.ts";
import {
  findAttribute,
  findSchema,
  resolvePathName,
  type ResolvedAttribute,
  type ResourceSchema,
} from "../schema/registry.ts";
import type { AttributeDef, SchemaDef } from "../schema/types.ts";
import { checkValueFilter, matchValue } from "./match-value.ts";
import { quoted } from "../quote.ts";

export type JsonObject = Record<string, unknown>;

/**
 * Where an operation on one attribute lands. `owner` is the extension URN the attribute lives under in the
 * resource JSON, or undefined for core and common attributes.
 */
export type AttributeTarget =
  | { readonly kind: "attribute"; readonly owner?: string; readonly def: AttributeDef; readonly label: string }
  | {
      readonly kind: "subAttribute";
      readonly owner?: string;
      readonly def: AttributeDef;
      readonly sub: AttributeDef;
      readonly label: string;
    }
  | {
      readonly kind: "filtered";
      readonly owner?: string;
      readonly def: AttributeDef;
      readonly filter: FilterNode;
      /** Whether one element (or the single complex value) is selected by the filter. */
      readonly matches: (element: JsonObject) => boolean;
      readonly sub?: AttributeDef;
      readonly label: string;
    };

export type PathTarget =
  /** `schemas` itself: derived from the extensions present, so operations on it are ignored. */
  | { readonly kind: "schemas" }
  /** A bare schema URN such as `urn:...:enterprise:2.0:User`: the value is an object of that schema's attributes. */
  | { readonly kind: "schema"; readonly schema: SchemaDef; readonly extension: boolean }
  | AttributeTarget;

// Parsed paths are immutable and reused (parse-patch caches them), so each is resolved once per schema.
const resolvedTargets = new WeakMap<PatchPath, { readonly rs: ResourceSchema; readonly target: PathTarget }>();

/** Resolves a parsed path against the resource type, or throws InvalidPathError naming what is wrong. */
export function resolveTarget(p: PatchPath, rs: ResourceSchema, rawPath: string): PathTarget {
  const hit = resolvedTargets.get(p);
  if (hit && hit.rs === rs) return hit.target;
  const target = resolveUncached(p, rs, rawPath);
  resolvedTargets.set(p, { rs, target });
  return target;
}

function resolveUncached(p: PatchPath, rs: ResourceSchema, rawPath: string): PathTarget {
  const { path, filter, subAttribute } = p;
  if (!path.uri && !filter && path.subAttribute === undefined && path.attribute.toLowerCase() === "schemas")
    return { kind: "schemas" };
  if (path.uri !== undefined && path.attribute === "") return resolveSchemaTarget(p, rs, rawPath);

  const resolved = resolvePathName(rs, pathToString(path));
  if (!resolved) throw unknownPath(rawPath, rs);
  const owner = resolved.extension ? resolved.schema.id : undefined;
  const def = resolved.attribute;

  if (filter) {
    if (resolved.subAttribute || def.type !== "complex" || !def.subAttributes)
      throw new InvalidPathError(`The path ${quoted(rawPath)} filters an attribute that has no sub-attributes; filter a complex attribute such as emails[type eq "work"].`);
    checkValueFilter(filter, def, rawPath);
    const matches = (element: JsonObject) => matchValue(filter, element, def, owner, rs);
    if (subAttribute === undefined) return { kind: "filtered", owner, def, filter, matches, label: def.name };
    const sub = findAttribute(def.subAttributes, subAttribute);
    if (!sub) throw unknownPath(rawPath, rs);
    return { kind: "filtered", owner, def, filter, matches, sub, label: `${def.name}.${sub.name}` };
  }
  if (subAttribute !== undefined) throw unknownPath(rawPath, rs);
  return targetOf(resolved);
}

/** The target of a path without a value filter: `title`, `name.givenName`, `urn:...:User:manager`. */
export function targetOf(resolved: ResolvedAttribute): AttributeTarget {
  const owner = resolved.extension ? resolved.schema.id : undefined;
  const def = resolved.attribute;
  if (resolved.subAttribute)
    return { kind: "subAttribute", owner, def, sub: resolved.subAttribute, label: `${def.name}.${resolved.subAttribute.name}` };
  return { kind: "attribute", owner, def, label: def.name };
}

/** The value a target without a filter currently holds. */
export function currentValue(resource: ScimResource, target: AttributeTarget): unknown {
  const value = containerOf(resource, target.owner, false)?.[target.def.name];
  if (target.kind === "attribute") return value;
  if (target.kind === "subAttribute") {
    if (Array.isArray(value)) return value.map((e: unknown) => (isPlainObject(e) ? e[target.sub.name] : undefined));
    return isPlainObject(value) ? value[target.sub.name] : undefined;
  }
  return undefined;
}

function resolveSchemaTarget(p: PatchPath, rs: ResourceSchema, rawPath: string): PathTarget {
  const schema = p.path.uri === undefined ? undefined : findSchema(rs, p.path.uri);
  if (!schema || p.filter || p.subAttribute !== undefined || p.path.subAttribute !== undefined) throw unknownPath(rawPath, rs);
  return { kind: "schema", schema, extension: schema !== rs.core };
}

function unknownPath(rawPath: string, rs: ResourceSchema): InvalidPathError {
  return new InvalidPathError(
    `The path ${quoted(rawPath)} names no attribute of a ${rs.type.name}; check its spelling against /Schemas.`,
  );
}

/** RFC 7643 §2.2: readOnly attributes (id, meta, User groups, manager.displayName) are never set by a client. */
export function assertWritable(target: AttributeTarget): void {
  const sub = target.kind === "attribute" ? undefined : target.sub;
  if (target.def.mutability === "readOnly" || sub?.mutability === "readOnly")
    throw new MutabilityError(`The attribute "${target.label}" is readOnly; leave it out of the request.`);
}

/** RFC 7643 §2.2: an immutable attribute may be set while it has no value, but never changed afterwards. */
export function assertImmutableKept(def: AttributeDef, current: unknown, next: unknown, label: string): void {
  if (def.mutability !== "immutable" || isUnset(current) || deepEqual(current, next)) return;
  throw new MutabilityError(`The attribute "${label}" is immutable and already set; it cannot be changed or removed.`);
}

/** The object an attribute lives in: the resource, or its extension object (created when `create`). */
export function containerOf(resource: ScimResource, owner: string | undefined, create: true): JsonObject;
export function containerOf(resource: ScimResource, owner: string | undefined, create: boolean): JsonObject | undefined;
export function containerOf(resource: ScimResource, owner: string | undefined, create: boolean): JsonObject | undefined {
  if (owner === undefined) return resource;
  const existing = resource[owner];
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const created: JsonObject = {};
  resource[owner] = created;
  return created;
}

/** Stores a value, or deletes the key when the value is unset, so that no empty object or array is kept. */
export function store(container: JsonObject, key: string, value: unknown): void {
  if (isUnset(value)) delete container[key];
  else container[key] = value;
}


/** RFC 7643 §2.5: null, an empty array and (here) an object with no values are all "unassigned". */
export function isUnset(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) {
    for (const k in value) if (!isUnset(value[k])) return false;
    return true;
  }
  return false;
}

export function elementsOf(value: unknown): JsonObject[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isPlainObject);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** RFC 7643 §2.2 caseExact: whether two values of one attribute are the same value. */
export function sameValue(def: AttributeDef, a: unknown, b: unknown): boolean {
  if (typeof a === "string" && typeof b === "string" && !def.caseExact) return a.toLowerCase() === b.toLowerCase();
  return deepEqual(a, b);
}

export { isPlainObject };

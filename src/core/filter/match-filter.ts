import { InvalidFilterError } from "../errors.ts";
import { coerceBoolean } from "../resource/coerce-value.ts";
import { comparedLeaf, findAttribute, type ResolvedAttribute, type ResourceSchema } from "../schema/registry.ts";
import type { AttributeDef } from "../schema/types.ts";
import { assertNever, pathToString, resolvePath, type AttrPath, type CompareOp, type FilterNode } from "./ast.ts";
import { parseFilterInstant } from "./date-time.ts";
import { quoted } from "../quote.ts";

// The comparison rules below are shared with storage/filter-to-sql.ts so that an in-memory match and a
// SQL query give the same answer for the same filter. Decisions the RFC leaves open:
// - `a ne v` is `not (a eq v)`: true when a is missing, and for a multi-valued a, when no value equals v.
// - `a eq null` holds when a is not present (as `pr` defines it); `a ne null` when it is. Every other
//   operator against null matches nothing.
// - A literal is read as the attribute's type: a number against a string attribute compares as its
//   decimal text (Entra ID sends unquoted numeric externalId/employeeNumber), "True"/"false" against a
//   boolean attribute as the boolean (Entra ID quotes booleans), a numeric string against a number.
//   A literal that cannot be read so matches nothing.
// - gt/ge/lt/le on booleans or binary match nothing here; parseFilter with a schema rejects them
//   (RFC 7644 §3.4.2.2 requires a 400 invalidFilter). co/sw/ew apply to strings only.

/** A filter literal read as the type of the attribute it is compared with. */
export type Operand =
  | { readonly kind: "string"; readonly value: string; readonly caseExact: boolean }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "boolean"; readonly value: boolean }
  | { readonly kind: "dateTime"; readonly value: number; readonly iso: string }
  /** The comparison can match no value. */
  | { readonly kind: "never" };

const NEVER: Operand = { kind: "never" };
const NUMERIC = /^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * Reads a non-null literal as the leaf attribute's type, for the operator (never `ne`, which is
 * compiled as `not eq`). A case-insensitive string is returned folded with `toLowerCase()`.
 */
export function operandFor(leaf: AttributeDef, op: Exclude<CompareOp, "ne">, value: string | number | boolean): Operand {
  const ordering = op === "gt" || op === "ge" || op === "lt" || op === "le";
  const substring = op === "co" || op === "sw" || op === "ew";
  switch (leaf.type) {
    case "string":
    case "reference":
    case "binary": {
      if (leaf.type === "binary" && ordering) return NEVER;
      const text = typeof value === "string" ? value : String(value);
      return { kind: "string", value: leaf.caseExact ? text : text.toLowerCase(), caseExact: leaf.caseExact };
    }
    case "boolean": {
      if (op !== "eq") return NEVER;
      const b = coerceBoolean(value);
      return b === undefined ? NEVER : { kind: "boolean", value: b };
    }
    case "integer":
    case "decimal": {
      if (substring) return NEVER;
      const n = typeof value === "number" ? value : typeof value === "string" && NUMERIC.test(value) ? Number(value) : NaN;
      return Number.isFinite(n) ? { kind: "number", value: n } : NEVER;
    }
    case "dateTime": {
      if (substring || typeof value !== "string") return NEVER;
      const instant = parseFilterInstant(value);
      if (!instant) return NEVER;
      // Stored instants are whole milliseconds. A literal between two of them (".2231") equals none, and
      // is compared as the millisecond below it (.223) for gt and le, the one above it (.224) for lt and ge.
      if (instant.subMillisecond && op === "eq") return NEVER;
      const t = instant.subMillisecond && (op === "lt" || op === "ge") ? instant.ms + 1 : instant.ms;
      return { kind: "dateTime", value: t, iso: new Date(t).toISOString() };
    }
    case "complex":
      return NEVER;
    default:
      return assertNever(leaf.type);
  }
}

/** Resolves a filter path, or throws InvalidFilterError naming it. */
export function resolveFilterPath(rs: ResourceSchema, path: AttrPath): ResolvedAttribute {
  const r = resolvePath(rs, path);
  if (!r) throw unknownAttribute(rs, pathToString(path));
  return r;
}

/** Resolves a path inside `outer[...]` as a sub-attribute of `outer`, or throws InvalidFilterError. */
export function resolveInnerPath(rs: ResourceSchema, outer: ResolvedAttribute, path: AttrPath): ResolvedAttribute {
  const sub =
    path.uri === undefined && path.subAttribute === undefined && outer.attribute.subAttributes
      ? findAttribute(outer.attribute.subAttributes, path.attribute)
      : undefined;
  if (!sub) throw unknownAttribute(rs, `${outer.attribute.name}.${pathToString(path)}`);
  return { schema: outer.schema, extension: outer.extension, attribute: outer.attribute, subAttribute: sub };
}

function unknownAttribute(rs: ResourceSchema, path: string): InvalidFilterError {
  return new InvalidFilterError(
    `The filter names ${quoted(path)}, which is not an attribute of ${rs.type.name} resources; check the spelling against /Schemas.`,
  );
}

/** Orders strings by Unicode code point, as SQLite's BINARY collation orders their UTF-8 bytes. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (U+D800–DFFF) encode code points above U+FFFF, so they sort after U+E000–FFFF.
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7644 §3.4.2.2 `pr`: not null, not "", not an empty array, and for a complex value, some present sub-value. */
export function isPresent(v: unknown): boolean {
  if (v === null || v === undefined || v === "") return false;
  if (Array.isArray(v)) return v.some(isPresent);
  if (isObject(v)) return Object.values(v).some(isPresent);
  return true;
}

function ordered(c: number, op: "gt" | "ge" | "lt" | "le"): boolean {
  switch (op) {
    case "gt": return c > 0;
    case "ge": return c >= 0;
    case "lt": return c < 0;
    case "le": return c <= 0;
    default: return assertNever(op);
  }
}

function compareOne(candidate: unknown, op: Exclude<CompareOp, "ne">, operand: Operand): boolean {
  switch (operand.kind) {
    case "never":
      return false;
    case "string": {
      if (typeof candidate !== "string") return false;
      const v = operand.caseExact ? candidate : candidate.toLowerCase();
      const o = operand.value;
      switch (op) {
        case "eq": return v === o;
        case "co": return v.includes(o);
        case "sw": return v.startsWith(o);
        case "ew": return v.endsWith(o);
        default: return ordered(compareCodePoints(v, o), op);
      }
    }
    case "number":
      if (typeof candidate !== "number") return false;
      return op === "eq" ? candidate === operand.value : op === "co" || op === "sw" || op === "ew" ? false : ordered(candidate - operand.value, op);
    case "boolean":
      return op === "eq" && candidate === operand.value;
    case "dateTime": {
      if (typeof candidate !== "string") return false;
      const t = Date.parse(candidate);
      if (Number.isNaN(t)) return false;
      return op === "eq" ? t === operand.value : op === "co" || op === "sw" || op === "ew" ? false : ordered(t - operand.value, op);
    }
    default:
      return assertNever(operand);
  }
}

/** The values at `r` in `resource`, flattened over multi-valued attributes; sub-attribute `sub` when given. */
function valuesAt(resource: Record<string, unknown>, r: ResolvedAttribute, sub: AttributeDef | undefined): unknown[] {
  const container = r.extension ? resource[r.schema.id] : resource;
  if (!isObject(container)) return [];
  const top = container[r.attribute.name];
  const items = Array.isArray(top) ? top : top === undefined || top === null ? [] : [top];
  if (!sub) return items;
  const out: unknown[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const v = item[sub.name];
    if (Array.isArray(v)) out.push(...v);
    else if (v !== undefined && v !== null) out.push(v);
  }
  return out;
}

function matchValues(values: readonly unknown[], leaf: AttributeDef, op: CompareOp, value: string | number | boolean): boolean {
  if (op === "ne") return !matchValues(values, leaf, "eq", value);
  const operand = operandFor(leaf, op, value);
  return values.some((v) => compareOne(v, op, operand));
}

interface Scope {
  readonly outer: ResolvedAttribute;
  readonly element: Record<string, unknown>;
}

function evaluate(node: FilterNode, resource: Record<string, unknown>, rs: ResourceSchema, scope: Scope | undefined): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, resource, rs, scope) && evaluate(node.right, resource, rs, scope);
    case "or":
      return evaluate(node.left, resource, rs, scope) || evaluate(node.right, resource, rs, scope);
    case "not":
      return !evaluate(node.expr, resource, rs, scope);
    case "present":
      return presentAt(node.path, resource, rs, scope);
    case "compare": {
      if (node.value === null) {
        const present = presentAt(node.path, resource, rs, scope);
        return node.op === "eq" ? !present : node.op === "ne" ? present : false;
      }
      const r = scope ? resolveInnerPath(rs, scope.outer, node.path) : resolveFilterPath(rs, node.path);
      const target = comparedLeaf(r);
      if (!target) return node.op === "ne";
      const values = scope ? valuesOf(scope.element[target.sub!.name]) : valuesAt(resource, r, target.sub);
      return matchValues(values, target.leaf, node.op, node.value);
    }
    case "valuePath": {
      if (scope) throw new InvalidFilterError("The filter nests a value filter \"[...]\" inside another; flatten it into one bracket.");
      const outer = resolveFilterPath(rs, node.path);
      if (outer.attribute.type !== "complex" || outer.subAttribute)
        throw new InvalidFilterError(`The filter applies "[...]" to ${quoted(pathToString(node.path))}, which is not a complex attribute; filter a complex attribute such as emails.`);
      return valuesAt(resource, outer, undefined).some(
        (element) => isObject(element) && evaluate(node.filter, resource, rs, { outer, element }),
      );
    }
    default:
      return assertNever(node);
  }
}

function presentAt(path: AttrPath, resource: Record<string, unknown>, rs: ResourceSchema, scope: Scope | undefined): boolean {
  if (scope) return isPresent(scope.element[resolveInnerPath(rs, scope.outer, path).subAttribute!.name]);
  const r = resolveFilterPath(rs, path);
  return valuesAt(resource, r, r.subAttribute).some(isPresent);
}

function valuesOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

/**
 * Evaluates a filter against one resource in its JSON form (RFC 7644 §3.4.2.2), with attribute names
 * resolved case-insensitively through the schema and case rules taken from each attribute's caseExact.
 */
export function matchFilter(node: FilterNode, resource: Record<string, unknown>, rs: ResourceSchema): boolean {
  return evaluate(node, resource, rs, undefined);
}

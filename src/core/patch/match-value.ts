import { InvalidPathError } from "../errors.ts";
import { assertNever, type AttrPath, type FilterNode } from "../filter/ast.ts";
import { matchFilter } from "../filter/match-filter.ts";
import { coerceSingle } from "../resource/coerce-value.ts";
import { findAttribute, type ResourceSchema } from "../schema/registry.ts";
import type { AttributeDef } from "../schema/types.ts";
import { quoted } from "../quote.ts";

// RFC 7644 §3.5.2: in `emails[type eq "work"]` the filter's paths name sub-attributes of one element.

/** Throws InvalidPathError when the value filter names something that is not a sub-attribute of `parent`. */
export function checkValueFilter(filter: FilterNode, parent: AttributeDef, rawPath: string): void {
  switch (filter.kind) {
    case "compare":
    case "present":
      subAttributeOf(parent, filter.path, rawPath);
      return;
    case "and":
    case "or":
      checkValueFilter(filter.left, parent, rawPath);
      checkValueFilter(filter.right, parent, rawPath);
      return;
    case "not":
      checkValueFilter(filter.expr, parent, rawPath);
      return;
    case "valuePath":
      throw new InvalidPathError(`The path ${quoted(rawPath)} nests one value filter in another; use a single [filter].`);
    default:
      assertNever(filter);
  }
}

/**
 * Whether one element of `def` (a multi-valued element, or a single complex value) matches the filter. The
 * element is evaluated through matchFilter as the only value of its attribute, so PATCH value paths compare
 * exactly as search filters and the SQL compiler do.
 */
export function matchValue(
  filter: FilterNode,
  element: Record<string, unknown>,
  def: AttributeDef,
  owner: string | undefined,
  rs: ResourceSchema,
): boolean {
  const holder = { [def.name]: [element] };
  const resource = owner === undefined ? holder : { [owner]: holder };
  const path = owner === undefined ? { attribute: def.name } : { uri: owner, attribute: def.name };
  return matchFilter({ kind: "valuePath", path, filter }, resource, rs);
}

/**
 * The element a filter of `eq` clauses joined by `and` describes: `[type eq "mobile"]` gives
 * `{type: "mobile"}`. Undefined when the filter says anything else, as then no single element is implied.
 */
export function elementFromFilter(filter: FilterNode, parent: AttributeDef): Record<string, unknown> | undefined {
  switch (filter.kind) {
    case "compare": {
      if (filter.op !== "eq" || filter.value === null) return undefined;
      const sub = subAttributeOf(parent, filter.path, filter.path.attribute);
      return { [sub.name]: coerceSingle(sub, filter.value, `${parent.name}.${sub.name}`) };
    }
    case "and": {
      const left = elementFromFilter(filter.left, parent);
      const right = elementFromFilter(filter.right, parent);
      return left && right ? { ...left, ...right } : undefined;
    }
    case "present":
    case "or":
    case "not":
    case "valuePath":
      return undefined;
    default:
      return assertNever(filter);
  }
}

function subAttributeOf(parent: AttributeDef, path: AttrPath, rawPath: string): AttributeDef {
  const found =
    path.uri === undefined && path.subAttribute === undefined && parent.subAttributes
      ? findAttribute(parent.subAttributes, path.attribute)
      : undefined;
  if (!found)
    throw new InvalidPathError(`The filter in ${quoted(rawPath)} names no sub-attribute of "${parent.name}"; filter on one of its sub-attributes.`);
  return found;
}

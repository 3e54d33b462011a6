import { assertNever } from "../filter/ast.ts";
import type { ScimResource } from "../resource/types.ts";
import { removeWhole, setFiltered, setSingle, setSubAttribute } from "./assign.ts";
import { keepOnePrimary, readWhole } from "./merge-values.ts";
import { assertImmutableKept, containerOf, store, type AttributeTarget } from "./navigate.ts";

/**
 * RFC 7644 §3.5.2.3: replace substitutes all values of a multi-valued attribute, merges into a complex one
 * (sub-attributes not given are left unchanged) and sets any other. Mutates `resource`, already cloned.
 */
export function applyReplace(resource: ScimResource, target: AttributeTarget, value: unknown): void {
  switch (target.kind) {
    case "attribute":
      return replaceAttribute(resource, target, value);
    case "subAttribute":
      return setSubAttribute(resource, target, value);
    case "filtered":
      return setFiltered(resource, target, value);
    default:
      return assertNever(target);
  }
}

function replaceAttribute(
  resource: ScimResource,
  target: Extract<AttributeTarget, { kind: "attribute" }>,
  value: unknown,
): void {
  const { def, label } = target;
  const whole = readWhole(def, value, label, "replace");
  if (whole.kind === "keep") return;
  if (whole.kind === "remove") return removeWhole(containerOf(resource, target.owner, false), def, label);
  const container = containerOf(resource, target.owner, true);
  if (!def.multiValued) return setSingle(container, def, whole.value, label, whole.cleared);
  const coerced = whole.value;
  const next = keepOnePrimary(Array.isArray(coerced) ? coerced : [coerced], undefined);
  assertImmutableKept(def, container[def.name], next, label);
  store(container, def.name, next);
}

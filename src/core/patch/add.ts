import { assertNever } from "../filter/ast.ts";
import type { ScimResource } from "../resource/types.ts";
import { removeWhole, setFiltered, setSingle, setSubAttribute } from "./assign.ts";
import { appendElements, readWhole } from "./merge-values.ts";
import { containerOf, store, type AttributeTarget } from "./navigate.ts";

/**
 * RFC 7644 §3.5.2.1: add appends to a multi-valued attribute, merges into a complex one and sets any other.
 * Mutates `resource`, which apply-patch has already cloned.
 */
export function applyAdd(resource: ScimResource, target: AttributeTarget, value: unknown): void {
  switch (target.kind) {
    case "attribute":
      return addAttribute(resource, target, value);
    case "subAttribute":
      return setSubAttribute(resource, target, value);
    case "filtered":
      return setFiltered(resource, target, value);
    default:
      return assertNever(target);
  }
}

function addAttribute(resource: ScimResource, target: Extract<AttributeTarget, { kind: "attribute" }>, value: unknown): void {
  const { def, label } = target;
  const whole = readWhole(def, value, label, "add");
  if (whole.kind === "keep") return;
  if (whole.kind === "remove") return removeWhole(containerOf(resource, target.owner, false), def, label);
  const container = containerOf(resource, target.owner, true);
  if (!def.multiValued) return setSingle(container, def, whole.value, label, whole.cleared);
  const current = container[def.name];
  const list = Array.isArray(current) ? current : [];
  store(container, def.name, appendElements(def, list, Array.isArray(whole.value) ? whole.value : [whole.value], label));
}

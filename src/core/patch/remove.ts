import { assertNever } from "../filter/ast.ts";
import { coerceSingle } from "../resource/coerce-value.ts";
import type { ScimResource } from "../resource/types.ts";
import type { AttributeDef } from "../schema/types.ts";
import { asObject, removeWhole } from "./assign.ts";
import { coerceElement, removeElements, withoutCleared } from "./merge-values.ts";
import { qualifiersOnly } from "../resource/coerce-value.ts";
import { assertImmutableKept, containerOf, isPlainObject, isUnset, store, type AttributeTarget, type JsonObject } from "./navigate.ts";

/**
 * RFC 7644 §3.5.2.2. Removing what is not there succeeds without change: Entra ID retries and replays
 * removals, and an idempotent remove lets a replay succeed (RFC 7644 §3.5.2.2 would answer noTarget for a
 * filter that matches nothing). Mutates `resource`, which apply-patch has already cloned.
 */
export function applyRemove(resource: ScimResource, target: AttributeTarget, value: unknown): void {
  const container = containerOf(resource, target.owner, false);
  if (!container || container[target.def.name] === undefined) return;
  switch (target.kind) {
    case "attribute":
      return removeAttribute(container, target.def, value, target.label);
    case "subAttribute":
      return removeSub(container, target.def, target.sub, target.label);
    case "filtered":
      return removeFiltered(container, target);
    default:
      return assertNever(target);
  }
}

function removeAttribute(container: JsonObject, def: AttributeDef, value: unknown, label: string): void {
  if (!def.multiValued || value === undefined || value === null) return removeWhole(container, def, label);
  // Entra ID removes members with "path": "members" and a value array: exactly those go, never all of them.
  const given = (Array.isArray(value) ? value : [value])
    .map((v) => (def.type === "complex" ? coerceElement(def, v, label) : coerceSingle(def, v, label)))
    .filter((v) => v !== null);
  const current = container[def.name];
  store(container, def.name, removeElements(def, Array.isArray(current) ? current : [], given));
}

function removeSub(container: JsonObject, def: AttributeDef, sub: AttributeDef, label: string): void {
  const current = container[def.name];
  if (def.multiValued) {
    const list = Array.isArray(current) ? current : [];
    store(container, def.name, list.map((e) => withoutSubInList(def, e, sub, label)).filter((e) => !isUnset(e)));
  } else {
    store(container, def.name, withoutSub(def, current, sub, label));
  }
}

function removeFiltered(container: JsonObject, target: Extract<AttributeTarget, { kind: "filtered" }>): void {
  const { def, sub, label } = target;
  const current = container[def.name];
  const elements = def.multiValued ? (Array.isArray(current) ? current : []) : [current];
  const next = elements
    .map((e) => {
      const element = asObject(e);
      if (!element || !target.matches(element)) return e;
      return sub ? (def.multiValued ? withoutSubInList(def, element, sub, label) : withoutSub(def, element, sub, label)) : undefined;
    })
    .filter((e) => !isUnset(e));
  store(container, def.name, def.multiValued ? next : next[0]);
}

/**
 * In a multi-valued attribute, an element whose last real sub-attribute is removed goes: Entra ID clears a
 * user's work email with `remove emails[type eq "work"].value`, which would otherwise leave {"type": "work"}
 * behind (and that user would still match `emails[type eq "work"]`).
 */
function withoutSubInList(def: AttributeDef, element: unknown, sub: AttributeDef, label: string): unknown {
  const rest = withoutSub(def, element, sub, label);
  if (rest !== element && qualifiersOnly(rest)) return undefined;
  return rest;
}

/** The element without `sub`; a reference without its value loses what describes it too (the manager's $ref). */
function withoutSub(def: AttributeDef, element: unknown, sub: AttributeDef, label: string): unknown {
  if (!isPlainObject(element) || !(sub.name in element)) return element;
  assertImmutableKept(sub, element[sub.name], undefined, label);
  return withoutCleared(def, element, [sub.name], label);
}

import { NoTargetError } from "../errors.ts";
import type { ScimResource } from "../resource/types.ts";
import type { AttributeDef } from "../schema/types.ts";
import { qualifiersOnly } from "../resource/coerce-value.ts";
import { elementFromFilter } from "./match-value.ts";
import { coerceElement, coerceSub, isPrimary, isReference, keepOnePrimary, mergeComplex, splitCleared, withoutCleared } from "./merge-values.ts";
import {
  assertImmutableKept,
  containerOf,
  isPlainObject,
  isUnset,
  store,
  type AttributeTarget,
  type JsonObject,
} from "./navigate.ts";

// What add and replace do alike (RFC 7644 §3.5.2.1 and §3.5.2.3): they differ only on a whole multi-valued
// attribute, where add appends and replace substitutes.

type SubTarget = Extract<AttributeTarget, { kind: "subAttribute" }>;
type FilteredTarget = Extract<AttributeTarget, { kind: "filtered" }>;

/**
 * Sets a single-valued attribute whose value is already coerced; complex values are merged, and the
 * sub-attributes named in `cleared` (given as null) are removed from them.
 */
export function setSingle(container: JsonObject, def: AttributeDef, value: unknown, label: string, cleared: readonly string[] = []): void {
  const current = container[def.name];
  let next = def.type === "complex" && isPlainObject(value) ? mergeComplex(def, asObject(current), value, label) : value;
  if (isPlainObject(next)) next = withoutCleared(def, next, cleared, label);
  if (isUnset(next)) return removeWhole(container, def, label);
  assertImmutableKept(def, current, next, label);
  store(container, def.name, next);
}

/** `null` for add or replace means "remove" (RFC 7643 §2.5: null is unassigned). */
export function removeWhole(container: JsonObject | undefined, def: AttributeDef, label: string): void {
  if (!container || !(def.name in container)) return;
  assertImmutableKept(def, container[def.name], undefined, label);
  delete container[def.name];
}

/** `name.givenName`, or `emails.value` for every element of a multi-valued attribute. */
export function setSubAttribute(resource: ScimResource, target: SubTarget, value: unknown): void {
  const { def, sub, label } = target;
  const v = coerceSub(sub, value, label);
  const container = containerOf(resource, target.owner, v !== null);
  if (!container) return;
  const current = container[def.name];
  if (!def.multiValued) {
    store(container, def.name, withSub(def, sub, asObject(current) ?? {}, v, label));
    return;
  }
  const list = Array.isArray(current) ? current : [];
  if (list.length === 0) {
    // `emails.primary` on a user without emails: there is no address to mark (as for a filtered path).
    const created = { [sub.name]: v };
    if (v !== null && !qualifiersOnly(created)) container[def.name] = [created];
    return;
  }
  const next = list.map((e) => (isPlainObject(e) ? withSub(def, sub, e, v, label) : e)).filter((e) => !isUnset(e));
  store(container, def.name, keepOnePrimary(next, undefined));
}

/**
 * `emails[type eq "work"]` and `emails[type eq "work"].value`. When nothing matches, Entra ID expects the
 * element to be created from the filter's eq clauses (it sends `phoneNumbers[type eq "mobile"].value` for a
 * user who has no mobile number yet) rather than the noTarget of RFC 7644 §3.5.2.3.
 */
export function setFiltered(resource: ScimResource, target: FilteredTarget, value: unknown): void {
  const read = filteredValue(target, value);
  // A value that holds nothing scimd keeps changes nothing (as for a whole attribute, merge-values.ts readWhole).
  if (read === KEEP) return;
  const { incoming, cleared } = read;
  const container = containerOf(resource, target.owner, incoming !== null);
  if (!container) return;
  const { def, label } = target;
  const current = container[def.name];
  const elements = def.multiValued ? (Array.isArray(current) ? current : []) : current === undefined ? [] : [current];
  let chosen: unknown;
  let matched = false;
  const next = elements.map((e) => {
    if (!isPlainObject(e) || !target.matches(e)) return e;
    matched = true;
    const updated = updateElement(target, e, incoming, cleared);
    if (isPrimary(updated) && chosen === undefined) chosen = updated;
    return updated;
  });
  if (!matched) {
    // Nothing to remove, or only sub-attributes to clear: nothing is created.
    if (incoming === null || isUnset(incoming)) return;
    if (!def.multiValued && current !== undefined)
      throw new NoTargetError(`The filter in "${label}" matches no value of "${def.name}"; check the filter.`);
    const created = createFromFilter(target, incoming);
    // `emails[type eq "work"].primary` for a user without a work email: there is no address to mark.
    if (qualifiersOnly(created)) return;
    next.push(created);
    if (isPrimary(created)) chosen = created;
  }
  const kept = next.filter((e) => !isUnset(e));
  store(container, def.name, def.multiValued ? keepOnePrimary(kept, chosen) : kept[0]);
}

const KEEP = Symbol("nothing to apply");

/**
 * The coerced value: a sub-attribute value, or a complex element to merge with the sub-attributes given as
 * null to clear; `incoming` null means remove (the value was null). An element value that holds nothing
 * once unknown, read-only and null sub-attributes are left out, and clears nothing, is KEEP: it removed the
 * matched element (a user's work email for {"verified": true}).
 */
function filteredValue(target: FilteredTarget, value: unknown): typeof KEEP | { incoming: unknown; cleared: readonly string[] } {
  if (target.sub) return { incoming: coerceSub(target.sub, value, target.label), cleared: [] };
  if (!isPlainObject(value)) {
    const incoming = coerceElement(target.def, value, target.label);
    return incoming === null && value !== null ? KEEP : { incoming, cleared: [] };
  }
  const { rest, cleared } = splitCleared(target.def, value);
  const incoming = coerceElement(target.def, rest, target.label);
  if (incoming === null) return cleared.length ? { incoming: {}, cleared } : KEEP;
  return { incoming, cleared };
}

function updateElement(target: FilteredTarget, element: JsonObject, incoming: unknown, cleared: readonly string[]): JsonObject | null {
  if (target.sub) return withSub(target.def, target.sub, element, incoming, target.label);
  if (!isPlainObject(incoming)) return null;
  const merged = mergeComplex(target.def, element, incoming, target.label);
  if (cleared.length === 0) return merged;
  const rest = withoutCleared(target.def, merged, cleared, target.label);
  // Clearing the last real sub-attribute of an element removes it, as a remove of that sub-attribute does.
  return isUnset(rest) || (target.def.multiValued && qualifiersOnly(rest)) ? null : rest;
}

function createFromFilter(target: FilteredTarget, incoming: unknown): JsonObject {
  const seed = elementFromFilter(target.filter, target.def);
  if (!seed)
    throw new NoTargetError(
      `The filter in "${target.label}" matches no value and does not describe a new one; use eq clauses joined by "and", or add the value without a filter.`,
    );
  const fields = target.sub ? { [target.sub.name]: incoming } : asObject(incoming);
  return { ...seed, ...fields };
}

function withSub(def: AttributeDef, sub: AttributeDef, element: JsonObject, v: unknown, label: string): JsonObject {
  // A reference's value set to "" (as Entra clears the manager) is no reference: cleared like null.
  const cleared = v === null || (v === "" && sub.name === "value" && isReference(def));
  assertImmutableKept(sub, element[sub.name], cleared ? undefined : v, label);
  // Clearing a reference's value clears what describes it too (its $ref named the old manager).
  if (cleared) return withoutCleared(def, element, [sub.name], label);
  return mergeComplex(def, element, { [sub.name]: v }, def.name);
}

export function asObject(v: unknown): JsonObject | undefined {
  return isPlainObject(v) ? v : undefined;
}

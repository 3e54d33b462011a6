import { clearsReference, coerceAttributeValue, coerceSingle, referenceShorthand, valueSubOf } from "../resource/coerce-value.ts";
import { findAttribute } from "../schema/registry.ts";
import type { AttributeDef } from "../schema/types.ts";
import { assertImmutableKept, deepEqual, isPlainObject, isUnset, sameValue, type JsonObject } from "./navigate.ts";

/**
 * What an add or replace of a whole attribute does: remove it, leave it as it is, or set (merge) a value,
 * with the sub-attributes of a single complex value that were given as null to clear.
 */
export type WholeValue = { kind: "remove" } | { kind: "keep" } | { kind: "set"; value: unknown; cleared: readonly string[] };

const REMOVE: WholeValue = { kind: "remove" };
const KEEP: WholeValue = { kind: "keep" };

/**
 * Coerces a whole attribute value exactly as POST does, plus the shapes Entra ID sends only in PATCH.
 * The attribute is removed only when the client says so: null (RFC 7643 §2.5: unassigned), a replace with
 * no values (`[]`), or a reference cleared with {"value": ""} as Entra ID clears the manager. A value that
 * holds nothing scimd keeps once null, unknown and read-only sub-attributes are left out (`[{"foo": "x"}]`,
 * {"nickName": "E"} for `name`, an add of `[]`) changes nothing: it removed the whole attribute, and with it
 * the directory record's email or name. In a single complex value, a sub-attribute given as null is cleared
 * and the others are merged (RFC 7644 §3.5.2.3: those not given are left as they are).
 */
export function readWhole(def: AttributeDef, value: unknown, label: string, op: "add" | "replace"): WholeValue {
  if (value === null) return REMOVE;
  if (op === "replace" && Array.isArray(value) && value.length === 0) return REMOVE;
  let cleared: string[] = [];
  let given = value;
  if (def.type === "complex" && !def.multiValued && isPlainObject(value)) ({ rest: given, cleared } = splitCleared(def, value));
  const coerced = coerceAttributeValue(def, referenceShorthand(def, given), label);
  if (clearsReference(def, coerced)) return REMOVE;
  if (!isUnset(coerced)) return { kind: "set", value: coerced, cleared };
  return cleared.length ? { kind: "set", value: {}, cleared } : KEEP;
}

/** A complex value's sub-attributes given as null (to clear, by their schema names) and the rest (to merge). */
export function splitCleared(def: AttributeDef, value: JsonObject): { rest: JsonObject; cleared: string[] } {
  const cleared: string[] = [];
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const sub = def.subAttributes ? findAttribute(def.subAttributes, k) : undefined;
    if (v === null && sub) cleared.push(sub.name);
    else rest[k] = v;
  }
  return { rest, cleared };
}

/**
 * `merged` without the cleared sub-attributes (immutable ones may not be cleared). For a reference (the
 * manager), clearing `value` also clears what describes it: {"value": null} left {"$ref": <the old manager>}.
 */
export function withoutCleared(def: AttributeDef, merged: JsonObject, cleared: readonly string[], label: string): JsonObject {
  if (cleared.length === 0) return merged;
  const names = new Set(cleared);
  if (names.has("value") && isReference(def)) for (const k of DESCRIBES_VALUE) names.add(k);
  const out: JsonObject = { ...merged };
  for (const name of names) {
    const sub = def.subAttributes?.find((a) => a.name === name);
    if (sub && name in out) assertImmutableKept(sub, out[name], undefined, `${label}.${name}`);
    delete out[name];
  }
  return out;
}

/** Coerces one element of a multi-valued attribute, or the value of a single-valued complex one. */
export function coerceElement(def: AttributeDef, value: unknown, label: string): JsonObject | null {
  const coerced = coerceSingle(def, referenceShorthand(def, value), label);
  return isPlainObject(coerced) && !isUnset(coerced) ? coerced : null;
}

/** Coerces a value for one sub-attribute; null means "remove the sub-attribute". */
export function coerceSub(sub: AttributeDef, value: unknown, label: string): unknown {
  const coerced = coerceSingle(sub, value, label);
  return isUnset(coerced) ? null : coerced;
}


// Sub-attributes that describe the resource a reference's `value` points at; stale once `value` changes.
const DESCRIBES_VALUE = new Set(["$ref", "display", "displayName"]);

/**
 * RFC 7644 §3.5.2.1/§3.5.2.3: a complex value is merged; sub-attributes absent from `incoming` are kept,
 * except, for a reference to another resource (an attribute with a `$ref`, such as the manager), those that
 * describe the old `value` when `value` changes: a new manager id with the old `$ref` would point at the
 * wrong user. Elsewhere `display` is the client's own text (emails, roles: Entra maps
 * `roles[primary eq "True"].display` and `.value` separately) and stays. Immutable sub-attributes may be
 * set but not changed.
 */
export function mergeComplex(def: AttributeDef, current: JsonObject | undefined, incoming: JsonObject, label: string): JsonObject {
  const out: JsonObject = { ...current };
  const valueChanges = current !== undefined && "value" in incoming && !deepEqual(current.value, incoming.value);
  if (valueChanges && isReference(def)) for (const k of DESCRIBES_VALUE) if (!(k in incoming)) delete out[k];
  for (const [k, v] of Object.entries(incoming)) {
    const sub = def.subAttributes ? findAttribute(def.subAttributes, k) : undefined;
    if (sub) assertImmutableKept(sub, current?.[k], v, `${label}.${sub.name}`);
    out[k] = v;
  }
  return out;
}

export function isReference(def: AttributeDef): boolean {
  return def.subAttributes !== undefined && findAttribute(def.subAttributes, "$ref") !== undefined;
}

/**
 * RFC 7644 §3.5.2.1: values are added unless they already exist. An element with the same `value` (and
 * `type`) as an existing one is the same element, merged rather than duplicated: Entra ID re-adds members
 * and emails it has already sent.
 */
export function appendElements(def: AttributeDef, list: unknown[], incoming: readonly unknown[], label: string): unknown[] {
  const out = [...list];
  // By position: a later item of the same value may merge into the element and replace its object.
  let primaryAt: number | undefined;
  for (const item of incoming) {
    const at = out.findIndex((e) => sameElement(def, e, item));
    if (at >= 0 && isPlainObject(item)) out[at] = mergeComplex(def, asObject(out[at]), item, label);
    else if (at < 0) out.push(item);
    // Several marked primary in one value: the first keeps it, as in a POST body (deserialize.ts).
    if (isPrimary(item) && primaryAt === undefined) primaryAt = at >= 0 ? at : out.length - 1;
  }
  return keepOnePrimary(out, primaryAt === undefined ? undefined : out[primaryAt]);
}

function sameElement(def: AttributeDef, existing: unknown, item: unknown): boolean {
  if (!isPlainObject(existing) || !isPlainObject(item)) return sameValue(def, existing, item);
  const valueDef = valueSubOf(def);
  if (!valueDef || item.value === undefined) return deepEqual(existing, item);
  const typeDef = def.subAttributes ? findAttribute(def.subAttributes, "type") : undefined;
  const sameType = typeDef ? sameValue(typeDef, existing.type ?? null, item.type ?? null) : true;
  return sameType && sameValue(valueDef, existing.value, item.value);
}

function asObject(v: unknown): JsonObject | undefined {
  return isPlainObject(v) ? v : undefined;
}

export function isPrimary(v: unknown): boolean {
  return isPlainObject(v) && v.primary === true;
}

/**
 * RFC 7643 §2.4: `primary: true` appears at most once. `chosen` keeps it (the element an operation set
 * primary), else the first marked one, as in a POST body (deserialize.ts).
 */
export function keepOnePrimary(list: unknown[], chosen: unknown): unknown[] {
  const keep = chosen !== undefined && isPrimary(chosen) ? chosen : list.find(isPrimary);
  if (keep === undefined) return list;
  return list.map((e) => (e !== keep && isPrimary(e) && isPlainObject(e) ? { ...e, primary: false } : e));
}

/**
 * Removes the elements that agree with one of `given` on every sub-attribute `given` names. Entra ID removes
 * group members with `"path": "members", "value": [{"value": "<id>"}]`; only those members go.
 */
export function removeElements(def: AttributeDef, list: readonly unknown[], given: readonly unknown[]): unknown[] {
  return list.filter((e) => !given.some((g) => agrees(def, e, g)));
}

function agrees(def: AttributeDef, element: unknown, given: unknown): boolean {
  if (!isPlainObject(element) || !isPlainObject(given)) return sameValue(def, element, given);
  const keys = Object.keys(given);
  if (keys.length === 0) return false;
  return keys.every((k) => {
    const sub = def.subAttributes ? findAttribute(def.subAttributes, k) : undefined;
    return sub ? sameValue(sub, element[k], given[k]) : deepEqual(element[k], given[k]);
  });
}

import { InvalidSyntaxError, InvalidValueError } from "../errors.ts";
import { COMMON_ATTRIBUTES } from "../schema/common.ts";
import { findSchema, resolveAttribute, type ResolvedAttribute, type ResourceSchema } from "../schema/registry.ts";
import type { AttributeDef, SchemaDef } from "../schema/types.ts";
import { clearsReference, coerceAttributeValue, coerceSingle, isPlainObject, referenceShorthand } from "./coerce-value.ts";
import type { ScimResource } from "./types.ts";
import { GROUP_SCHEMA } from "../schema/urns.ts";

/** Attribute values collected per schema, keyed by the attribute's schema spelling. */
type Collected = Map<SchemaDef, Record<string, unknown>>;

// What to tell the client when a required attribute is missing; the generic sentence covers the rest.
const REQUIRED_HINTS: Record<string, string> = {
  "User.userName": "send the user's unique sign-in name in userName",
  "Group.displayName": "send the group's name in displayName",
};

/**
 * Whether a value sent for this attribute on POST, PUT or PATCH is dropped instead of stored.
 * RFC 7643 §2.2 and §3.1: the service provider ignores readOnly values (id, meta, User.groups) on input.
 * writeOnly `password` is accepted and dropped: scimd never stores passwords (sign-in is federated), and
 * Entra ID and Okta send generated passwords on create that must not fail the request.
 */
export function ignoredOnInput(attribute: AttributeDef): boolean {
  return attribute.mutability === "readOnly" || attribute.mutability === "writeOnly";
}

/**
 * Turns a POST or PUT body into the stored form of a resource: attribute names in schema spelling,
 * values coerced, readOnly and writeOnly values dropped, unset (null or empty) values omitted, unknown
 * attributes ignored, and `schemas` rebuilt from the data present.
 */
export function readResourceInput(body: unknown, rs: ResourceSchema, onUnknown?: (name: string) => void): ScimResource {
  if (!isPlainObject(body))
    throw new InvalidSyntaxError("The request body must be a JSON object holding the resource; send {\"schemas\": [...], ...}.");
  const collected: Collected = new Map();
  for (const [key, value] of Object.entries(body)) readEntry(rs, collected, key, value, onUnknown);
  const resource = assemble(rs, collected);
  checkRequired(rs, resource);
  return resource;
}

function readEntry(rs: ResourceSchema, collected: Collected, key: string, value: unknown, onUnknown?: (name: string) => void): void {
  if (key.toLowerCase() === "schemas") return;
  const schema = findSchema(rs, key);
  if (schema) return readSchemaObject(rs, collected, schema, value, onUnknown);
  const resolved = resolveAttribute(rs, key);
  // RFC 7643 §2.1: attributes the service provider does not define are ignored (and reported, for the log).
  if (resolved) store(collected, resolved, value);
  else if (onUnknown && value !== null) {
    // An extension scimd does not know (a custom one mapped in Entra): its attributes are named one by one.
    if (/^urn:/i.test(key) && isPlainObject(value)) for (const inner of Object.keys(value)) onUnknown(`${key}:${inner}`);
    else onUnknown(key);
  }
}

/**
 * Extension data under its URN key, accepted whether or not the URN is in `schemas`: Entra ID sends
 * custom extension attributes without listing their URN. Core attributes nested under the core URN are
 * read the same way.
 */
function readSchemaObject(rs: ResourceSchema, collected: Collected, schema: SchemaDef, value: unknown, onUnknown?: (name: string) => void): void {
  if (value === null) return;
  if (!isPlainObject(value))
    throw new InvalidValueError(
      `The attribute "${schema.id}" must be a JSON object of that schema's attributes; send {"attributeName": value}.`,
    );
  for (const [key, inner] of Object.entries(value)) {
    const resolved = resolveAttribute(rs, `${schema.id}:${key}`);
    if (resolved) store(collected, resolved, inner);
    else if (inner !== null) onUnknown?.(`${schema.id}:${key}`);
  }
}

/**
 * Writes one value under its canonical name. A flattened sub-attribute key (`urn:...:User:manager.value`,
 * sent by some clients) merges into the complex value; it cannot address one element of a multi-valued
 * attribute, so such keys are ignored.
 */
function store(collected: Collected, target: ResolvedAttribute, value: unknown): void {
  const { schema, attribute, subAttribute } = target;
  if (ignoredOnInput(attribute)) return;
  if (schema.id === GROUP_SCHEMA && attribute.name === "members" && !subAttribute) checkMembers(value);
  const values = valuesOf(collected, schema);
  const label = target.extension ? `${schema.id}:${attribute.name}` : attribute.name;
  if (!subAttribute) {
    // The manager as PATCH takes it (merge-values.ts): a bare id, and {"value": ""} for none.
    const coerced = coerceAttributeValue(attribute, referenceShorthand(attribute, value), label);
    return setOrUnset(values, attribute.name, clearsReference(attribute, coerced) ? null : coerced);
  }
  if (attribute.multiValued || ignoredOnInput(subAttribute)) return;
  const current = values[attribute.name];
  const parent: Record<string, unknown> = isPlainObject(current) ? current : {};
  setOrUnset(parent, subAttribute.name, coerceSingle(subAttribute, value, `${label}.${subAttribute.name}`));
  setOrUnset(values, attribute.name, parent);
}

export const MEMBER_VALUE_MESSAGE = 'Each member needs a "value" with the id of a User or Group; send members as [{"value": "<id>"}].';

/** A member's id: its `value` (the name read without regard to case, RFC 7643 §2.1) when a non-empty string. */
export function memberValueOf(member: unknown): string | undefined {
  if (!isPlainObject(member)) return undefined;
  const key = Object.keys(member).find((k) => k.toLowerCase() === "value");
  const value = key === undefined ? undefined : member[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A group's members are ids, checked as PATCH checks them, before coercion would turn a value of 5 into "5"
 * (then skipped as an unknown id) or drop {"display": "x"} (a read-only sub-attribute) in silence.
 */
function checkMembers(value: unknown): void {
  if (value === null || value === undefined) return;
  for (const m of Array.isArray(value) ? value : [value]) if (memberValueOf(m) === undefined) throw new InvalidValueError(MEMBER_VALUE_MESSAGE);
}

function valuesOf(collected: Collected, schema: SchemaDef): Record<string, unknown> {
  let values = collected.get(schema);
  if (!values) {
    values = {};
    collected.set(schema, values);
  }
  return values;
}

/** RFC 7643 §2.5: null, an empty array and (by extension) an empty complex value all mean "unassigned". */
function isUnassigned(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

function setOrUnset(target: Record<string, unknown>, name: string, value: unknown): void {
  if (isUnassigned(value)) delete target[name];
  else target[name] = value;
}

/** Builds the stored resource: `schemas` (core URN, then each extension that has data), then attributes in schema order. */
function assemble(rs: ResourceSchema, collected: Collected): ScimResource {
  const coreValues = collected.get(rs.core) ?? {};
  const resource: ScimResource = { schemas: [rs.core.id] };
  for (const attribute of [...COMMON_ATTRIBUTES, ...rs.core.attributes]) {
    const value = coreValues[attribute.name];
    if (value !== undefined) resource[attribute.name] = withSinglePrimary(attribute, value);
  }
  for (const extension of rs.extensions) {
    const values = collected.get(extension);
    if (!values || Object.keys(values).length === 0) continue;
    (resource.schemas as string[]).push(extension.id);
    const ordered: Record<string, unknown> = {};
    for (const attribute of extension.attributes)
      if (values[attribute.name] !== undefined) ordered[attribute.name] = withSinglePrimary(attribute, values[attribute.name]);
    resource[extension.id] = ordered;
  }
  return resource;
}

/**
 * RFC 7643 §2.4: "primary" is true for at most one value. When a client marks several, the first keeps
 * it and the others are set to false, as RFC 7644 §3.5.2 has the service provider do for PATCH.
 */
function withSinglePrimary(attribute: AttributeDef, value: unknown): unknown {
  if (!attribute.multiValued || !Array.isArray(value)) return value;
  let seen = false;
  return value.map((item) => {
    if (!isPlainObject(item) || item.primary !== true) return item;
    if (!seen) {
      seen = true;
      return item;
    }
    return { ...item, primary: false };
  });
}

/** RFC 7643 §2.2 "required"; an empty or blank string counts as missing. */
function checkRequired(rs: ResourceSchema, resource: ScimResource): void {
  for (const schema of [rs.core, ...rs.extensions]) {
    const values = schema === rs.core ? resource : resource[schema.id];
    // An extension the client did not send (RFC 7643 §3.3, required: false) makes its required attributes moot.
    if (!isPlainObject(values)) continue;
    for (const attribute of schema.attributes) {
      if (!attribute.required || ignoredOnInput(attribute)) continue;
      const value = values[attribute.name];
      if (value === undefined || (typeof value === "string" && value.trim() === "")) throw requiredError(rs, attribute);
    }
  }
}

function requiredError(rs: ResourceSchema, attribute: AttributeDef): InvalidValueError {
  const hint = REQUIRED_HINTS[`${rs.type.id}.${attribute.name}`] ?? `send a non-empty value for ${attribute.name}`;
  return new InvalidValueError(`The attribute "${attribute.name}" is required; ${hint}.`);
}

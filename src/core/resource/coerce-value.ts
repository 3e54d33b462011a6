import { InvalidValueError } from "../errors.ts";
import { findAttribute } from "../schema/registry.ts";
import type { AttributeDef } from "../schema/types.ts";

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Entra ID sends booleans as the strings "True"/"False" (any case) unless the tenant URL carries
 * aadOptscim062020; both are accepted for every boolean attribute.
 */
export function coerceBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
  }
  return undefined;
}

/** RFC 4648 base64 in one alphabet, standard (+/) or URL-safe (-_), padded or not. */
const base64In = (c: string) => new RegExp(`^(?:[${c}]{4})*(?:[${c}]{2}(?:==)?|[${c}]{3}=?)?$`);
const BASE64 = [base64In("A-Za-z0-9+/"), base64In("A-Za-z0-9_\\-")];
const isBase64 = (s: string) => BASE64.some((r) => r.test(s));

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Checks and normalises one value (one element, for a multi-valued attribute) against its definition.
 * Complex values get canonical sub-attribute names; unknown sub-attributes are dropped (RFC 7643 §2.1
 * lets a service provider ignore what it does not define). `null` passes through: it means "unset".
 * `label` names the attribute in error messages.
 */
export function coerceSingle(def: AttributeDef, value: unknown, label: string): unknown {
  if (value === null) return null;
  switch (def.type) {
    case "binary":
      // RFC 7643 §2.3.6: base64 (RFC 4648; the URL-safe alphabet and line breaks are taken too). A PEM file's
      // "-----BEGIN ...-----" lines are not base64, though their characters are in the URL-safe alphabet.
      if (typeof value === "string" && (/-----(BEGIN|END) /.test(value) || !isBase64(value.replace(/\s+/g, ""))))
        throw new InvalidValueError(`The attribute "${label}" is binary and must be base64-encoded (RFC 4648), without PEM's BEGIN and END lines; send the bytes in base64.`);
      if (typeof value === "string") return value;
      throw new InvalidValueError(`The attribute "${label}" must be a string; send it as a JSON string.`);
    case "string":
    case "reference":
      if (typeof value === "string") return value;
      // Identity providers send numbers for string attributes such as employeeNumber. Not one beyond 2^53: JSON
      // parsing has already changed its digits (12345678901234567 arrives as ...568), so it is refused.
      if (typeof value === "number" && Math.abs(value) <= Number.MAX_SAFE_INTEGER && !/e/i.test(String(value))) return String(value);
      throw new InvalidValueError(`The attribute "${label}" must be a string; send it as a JSON string.`);
    case "boolean": {
      const b = coerceBoolean(value);
      if (b === undefined)
        throw new InvalidValueError(`The attribute "${label}" must be a boolean; send true or false.`);
      return b;
    }
    case "integer":
      if (typeof value === "number" && Number.isInteger(value)) return value;
      if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
      throw new InvalidValueError(`The attribute "${label}" must be an integer; send a whole JSON number.`);
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return value;
      if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
      throw new InvalidValueError(`The attribute "${label}" must be a number; send a JSON number.`);
    case "dateTime":
      if (typeof value === "string" && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) return value;
      throw new InvalidValueError(
        `The attribute "${label}" must be an xsd:dateTime such as "2024-01-31T12:00:00Z"; send it in that form.`,
      );
    case "complex": {
      if (!isPlainObject(value))
        throw new InvalidValueError(`The attribute "${label}" must be a JSON object; send it as {"sub-attribute": value}.`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const sub = def.subAttributes ? findAttribute(def.subAttributes, k) : undefined;
        if (!sub) continue;
        if (sub.mutability === "readOnly" && def.mutability !== "readOnly") continue;
        const c = coerceSingle(sub, v, `${label}.${sub.name}`);
        if (c !== null) out[sub.name] = c;
      }
      return out;
    }
  }
}

/**
 * Checks and normalises a whole attribute value: arrays for multi-valued attributes (a single value is
 * wrapped, as Entra and Okta sometimes send one object), a scalar or object otherwise.
 */
export function coerceAttributeValue(def: AttributeDef, value: unknown, label: string): unknown {
  if (value === null) return null;
  if (def.multiValued) {
    const items = Array.isArray(value) ? value : [value];
    const out: unknown[] = [];
    for (const item of items) {
      const c = coerceSingle(def, item, label);
      if (c === null) continue;
      // An element with nothing but qualifiers ({"type": "work", "primary": true}, or one whose value was
      // null) is no value: stored, a primary one blanked the directory record's email or phone.
      if (qualifiersOnly(c)) continue;
      out.push(c);
    }
    return out;
  }
  if (Array.isArray(value)) {
    // A one-element array for a single-valued attribute (Entra sends manager this way) is its element.
    if (value.length === 1) return coerceSingle(def, value[0], label);
    if (value.length === 0) return null;
    throw new InvalidValueError(`The attribute "${label}" takes a single value; send one value, not an array.`);
  }
  return coerceSingle(def, value, label);
}

export { isPlainObject };

/** Sub-attributes that only qualify a value. */
const QUALIFIERS = new Set(["type", "primary"]);

/** An element with nothing but qualifiers ({"type": "work", "primary": true}), or nothing at all, is no value. */
export function qualifiersOnly(element: unknown): boolean {
  return isPlainObject(element) && Object.keys(element).every((k) => QUALIFIERS.has(k));
}

// Entra ID sends the manager as a bare id string ("urn:...:manager": "<id>") as well as {"value": "<id>"}; a
// one-element array of it (["<id>"]) is that id too, as [{"value": "<id>"}] is taken for {"value": "<id>"}.
export function referenceShorthand(def: AttributeDef, value: unknown): unknown {
  if (def.type !== "complex" || def.multiValued || !valueSubOf(def)) return value;
  if (typeof value === "string") return { value };
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === "string") return { value: value[0] };
  return value;
}

// Entra ID clears the manager with {"value": ""} rather than a remove operation.
export function clearsReference(def: AttributeDef, value: unknown): boolean {
  return def.type === "complex" && !def.multiValued && isPlainObject(value) && value.value === "" && valueSubOf(def) !== undefined;
}

export function valueSubOf(def: AttributeDef): AttributeDef | undefined {
  return def.subAttributes ? findAttribute(def.subAttributes, "value") : undefined;
}

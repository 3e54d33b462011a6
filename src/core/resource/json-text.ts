import type { ResourceMeta } from "./types.ts";

/**
 * A value that is already JSON text, spliced as it is into the response: the member list of a large group
 * is produced as JSON by the storage (for 100,000 members, building and then stringifying 100,000 objects
 * would double the time and the memory of the GET).
 */
export class JsonText {
  constructor(readonly text: string) {}

  /** Nested deeper than stringifyResource looks (a group inside a ListResponse), it is parsed back: correct, if slower. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

const isTextList = (v: unknown): v is unknown[] => Array.isArray(v) && v.some((x) => x instanceof JsonText);
const textOf = (v: unknown): string => (v instanceof JsonText ? v.text : JSON.stringify(v));

/**
 * JSON.stringify for a resource (or a ListResponse) whose top-level values may be JsonText, or arrays with
 * JsonText elements (the Resources of a list).
 */
export function stringifyResource(resource: Record<string, unknown> | JsonText): string {
  if (resource instanceof JsonText) return resource.text;
  let hasText = false;
  for (const v of Object.values(resource)) if (v instanceof JsonText || isTextList(v)) hasText = true;
  if (!hasText) return JSON.stringify(resource);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(resource)) {
    if (value === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${isTextList(value) ? `[${value.map(textOf).join(",")}]` : textOf(value)}`);
  }
  return `{${parts.join(",")}}`;
}

/**
 * The text withMeta + stringifyResource would produce for a stored resource, spliced from its stored JSON
 * without parsing it: `{"schemas":[…],"id":…,<stored attributes>,<extra>,"meta":{…}}`. Null when the stored
 * text does not have the shape this relies on (schemas first; no top-level id, meta or extra key), and the
 * caller then builds the object.
 */
export function spliceResource(stored: string, id: string, extra: Record<string, unknown>, meta: ResourceMeta): JsonText | null {
  if (!stored.startsWith('{"schemas":[') || !stored.endsWith("}")) return null;
  // URNs hold no "]", so the first one closes the schemas array.
  const schemasEnd = stored.indexOf("]", 12);
  if (schemasEnd < 0) return null;
  // A quote inside a JSON string is escaped, so '"name":' occurs only as a member name; a nested one
  // merely sends the resource down the slower path.
  if (stored.includes('"id":') || stored.includes('"meta":')) return null;
  for (const k in extra) if (stored.includes(`${JSON.stringify(k)}:`)) return null;
  let out = `${stored.slice(0, schemasEnd + 1)},"id":${JSON.stringify(id)}${stored.slice(schemasEnd + 1, -1)}`;
  for (const k in extra) out += `,${JSON.stringify(k)}:${JSON.stringify(extra[k])}`;
  return new JsonText(`${out},"meta":${JSON.stringify(meta)}}`);
}

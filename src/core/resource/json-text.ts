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

/** JSON.stringify for a resource whose top-level values may be JsonText. */
export function stringifyResource(resource: Record<string, unknown>): string {
  let hasText = false;
  for (const v of Object.values(resource)) if (v instanceof JsonText) hasText = true;
  if (!hasText) return JSON.stringify(resource);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(resource)) {
    if (value === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${value instanceof JsonText ? value.text : JSON.stringify(value)}`);
  }
  return `{${parts.join(",")}}`;
}

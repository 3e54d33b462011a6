import { InvalidPathError } from "../errors.ts";
import type { AttrPath, FilterNode } from "../filter/ast.ts";
import { DEFAULT_MAX_FILTER_DEPTH, DEFAULT_MAX_FILTER_LENGTH, FilterReader, FilterSyntaxFailure } from "../filter/parse-filter.ts";
import { ALL_SCHEMAS, findSchema, type ResourceSchema } from "../schema/registry.ts";
import { quoted } from "../quote.ts";

/**
 * A PATCH operation's target (RFC 7644 §3.5.2, `PATH = attrPath / valuePath [subAttr]`).
 * `name.givenName` keeps `givenName` in `path.subAttribute`; `emails[type eq "work"].value` keeps
 * `value` in `subAttribute` here. A bare extension URN is `{ uri, attribute: "" }`: the whole extension.
 */
export interface PatchPath {
  readonly path: AttrPath;
  readonly filter?: FilterNode;
  readonly subAttribute?: string;
}

const ATTRNAME = /^[A-Za-z$][A-Za-z0-9_$-]*$/;

function isSchemaUrn(text: string, rs: ResourceSchema | undefined): boolean {
  if (rs) return findSchema(rs, text) !== undefined;
  const t = text.toLowerCase();
  return ALL_SCHEMAS.some((s) => s.id.toLowerCase() === t);
}

function read(reader: FilterReader, rs: ResourceSchema | undefined): PatchPath {
  const s = reader.input;
  reader.skipSpace();
  if (reader.atEnd()) reader.fail(0, "the path is empty; name an attribute such as \"userName\" or \"emails[type eq \\\"work\\\"].value\"");
  const { path, start, text } = reader.attrPath();

  if (isSchemaUrn(text, rs)) {
    reader.skipSpace();
    if (!reader.atEnd()) reader.fail(reader.pos, `nothing may follow the schema URN ${quoted(text)} except ":attribute"`);
    return { path: { uri: text, attribute: "" } };
  }

  if (reader.peek() !== 0x5b) {
    reader.resolve(path, start, text, undefined);
    reader.skipSpace();
    if (!reader.atEnd())
      reader.fail(reader.pos, `unexpected ${quoted(s.slice(reader.pos, reader.pos + 12))} after ${quoted(text)}`);
    return { path };
  }

  const outer = reader.checkValuePathTarget(path, start, text);
  const open = reader.pos;
  reader.pos++;
  const filter = reader.bracketFilter(open, outer);
  if (reader.atEnd()) return { path, filter };
  if (reader.peek() !== 0x2e)
    reader.fail(reader.pos, `expected "." and a sub-attribute, or the end of the path, after "]"`);
  const subStart = reader.pos + 1;
  const subAttribute = s.slice(subStart).trimEnd();
  if (!ATTRNAME.test(subAttribute))
    reader.fail(subStart, `expected one sub-attribute name after "].", such as "value"`);
  if (rs && outer) reader.resolve({ attribute: subAttribute }, subStart, subAttribute, outer);
  return { path, filter, subAttribute };
}

/**
 * Parses a PATCH path, reusing the filter reader for the attribute path and the bracketed filter.
 * With `rs`, every attribute must exist on that resource type. Throws InvalidPathError for any bad input.
 */
export function parsePath(input: string, rs?: ResourceSchema): PatchPath {
  if (input.length > DEFAULT_MAX_FILTER_LENGTH)
    throw new InvalidPathError(
      `The path is ${input.length} characters long, more than the ${DEFAULT_MAX_FILTER_LENGTH} accepted; send a shorter path.`,
    );
  const reader = new FilterReader(input, rs, DEFAULT_MAX_FILTER_DEPTH);
  try {
    return read(reader, rs);
  } catch (e) {
    if (e instanceof FilterSyntaxFailure)
      throw new InvalidPathError(
        `The path ${quoted(input)} is invalid at position ${e.offset + 1}: ${e.reason}; see RFC 7644 section 3.5.2.`,
      );
    throw e;
  }
}

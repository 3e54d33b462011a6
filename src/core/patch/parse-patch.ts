import { InvalidPathError, InvalidSyntaxError, InvalidValueError, NoTargetError, TooManyError } from "../errors.ts";
import { parseFilter } from "../filter/parse-filter.ts";
import { parsePath, type PatchPath } from "../path/parse-path.ts";
import { isPlainObject } from "../resource/coerce-value.ts";
import { resolveAttribute, splitUrn, type ResourceSchema } from "../schema/registry.ts";
import { resolveTarget } from "./navigate.ts";
import { quoted } from "../quote.ts";

export type PatchOpKind = "add" | "remove" | "replace";

/** One RFC 7644 §3.5.2 operation after validation: `op` lower-cased, `path` parsed and known to resolve. */
export interface PatchOperation {
  readonly op: PatchOpKind;
  readonly path?: PatchPath;
  /** The path exactly as the client sent it, for error messages. */
  readonly rawPath?: string;
  readonly value?: unknown;
}

export interface ParsePatchOptions {
  /** The most operations one request may carry; a larger request is refused before anything is applied. */
  readonly maxOperations?: number;
  /** Told of each operation left out because its path names no attribute of the resource type. */
  readonly onUnknownPath?: (rawPath: string) => void;
}

export const DEFAULT_MAX_OPERATIONS = 1000;

/**
 * Validates a PatchOp message (RFC 7644 §3.5.2) and normalises its operations.
 *
 * `schemas` is not checked: Entra ID and Okta always send the PatchOp URN, and refusing a request whose only
 * fault is a missing or misspelt `schemas` helps nobody; the message is recognised by its `Operations` array.
 * Member names (`Operations`, `op`, `path`, `value`) are matched without regard to case, as some clients send
 * `operations`.
 *
 * Too many operations is reported as `tooMany` (400): it is the one scimType that says "the request asks for
 * more work than the server will do", which is what the client must fix.
 */
export function parsePatchRequest(body: unknown, rs: ResourceSchema, options: ParsePatchOptions = {}): PatchOperation[] {
  if (!isPlainObject(body))
    throw new InvalidSyntaxError('The PATCH body must be a JSON object with an "Operations" array; send a PatchOp message.');
  const operations = member(body, "operations");
  if (!Array.isArray(operations))
    throw new InvalidSyntaxError('The PATCH body has no "Operations" array; send {"schemas": [...PatchOp], "Operations": [...]}.');
  if (operations.length === 0)
    throw new InvalidSyntaxError('The "Operations" array is empty; send at least one add, remove or replace operation.');
  const max = options.maxOperations ?? DEFAULT_MAX_OPERATIONS;
  if (operations.length > max)
    throw new TooManyError(`The request has ${operations.length} operations, more than the ${max} allowed; split it into smaller PATCH requests.`);
  const parsed: PatchOperation[] = [];
  for (const [i, raw] of operations.entries()) {
    const op = parseOperation(raw, i, rs, options.onUnknownPath);
    if (op) parsed.push(op);
  }
  return parsed;
}

/** Names joined by single "." or ":" (a URN's "2.0" included): `name..givenName` is malformed, not unknown. */
const ATTRIBUTE_NAMES = /^[A-Za-z$][\w$-]*(?:[.:][A-Za-z0-9$][\w$-]*)*$/;

/**
 * Whether a path that failed to parse names an attribute this resource type does not define (`fooBar`, an
 * extension's unknown attribute, a custom extension's `urn:...:CustomExtension:2.0:User:tag`): what an
 * identity provider's mapping of a custom attribute sends. A malformed path, a bad filter, and an unknown
 * sub-attribute of a known attribute (`name.nick`, `emails.foo`: a client's typo, not a mapping) stay errors.
 */
function namesUnknownAttribute(rawPath: string, rs: ResourceSchema): boolean {
  const bracket = rawPath.indexOf("[");
  const head = (bracket < 0 ? rawPath : rawPath.slice(0, bracket)).trim();
  if (!ATTRIBUTE_NAMES.test(head)) return false;
  if (bracket >= 0 && !wellFormedValuePath(rawPath.slice(bracket))) return false;
  const { schema, rest, qualified } = splitUrn(rs, head);
  if (qualified && !schema) return true;
  if (schema && rest === "") return false;
  const top = (qualified ? rest : head).split(".")[0]!;
  return resolveAttribute(rs, schema ? `${schema.id}:${top}` : top) === null;
}

/**
 * `[filter]` with an optional `.subAttribute` after it, the filter's syntax checked without a schema: a path
 * that does not parse (`nosuch[`, `nosuch[a eq]`) is malformed whichever attribute it names (RFC 7644 §3.12
 * invalidPath), not a custom attribute to leave out.
 */
function wellFormedValuePath(bracketed: string): boolean {
  const close = bracketed.lastIndexOf("]");
  if (close < 0 || !/^(?:\.[A-Za-z$][\w$-]*)?$/.test(bracketed.slice(close + 1))) return false;
  try {
    parseFilter(bracketed.slice(1, close));
    return true;
  } catch {
    return false;
  }
}

/**
 * An operation on an attribute scimd does not define is left out, as POST, PUT and a path-less PATCH ignore
 * such attributes (RFC 7643 §2.1 lets a service provider ignore what it does not define): refused, it failed
 * the whole request, and Entra ID sends every changed attribute of a user in one PATCH, so a custom attribute
 * mapped in Entra (which scimd never stores, so Entra sends it again at every cycle) made every later update
 * of that user fail, its disable included.
 */
function parseOperation(raw: unknown, index: number, rs: ResourceSchema, onUnknownPath?: (rawPath: string) => void): PatchOperation | null {
  const where = `Operations[${index}]`;
  if (!isPlainObject(raw))
    throw new InvalidSyntaxError(`${where} must be a JSON object with "op", "path" and "value"; send it in that form.`);
  const op = parseOpKind(member(raw, "op"), where);
  const rawPath = parseRawPath(member(raw, "path"), where);
  const hasValue = hasMember(raw, "value");
  const value = member(raw, "value");

  if (op !== "remove" && !hasValue)
    throw new InvalidSyntaxError(`${where} is an "${op}" without a "value"; send the value to ${op}.`);
  if (rawPath === undefined) {
    // RFC 7644 §3.5.2.2: a remove without a path has no target.
    if (op === "remove")
      throw new NoTargetError(`${where} is a "remove" without a "path"; name the attribute to remove.`);
    // RFC 7644 §3.5.2.1 and §3.5.2.3: without a path the value is a set of attributes.
    if (!isPlainObject(value))
      throw new InvalidValueError(`${where} has no "path", so its "value" must be an object of attributes; send {"attribute": value}.`);
    return { op, value };
  }
  let path: PatchPath;
  try {
    path = parsePatchPath(rawPath, rs);
  } catch (e) {
    if (!(e instanceof InvalidPathError) || !namesUnknownAttribute(rawPath, rs)) throw e;
    onUnknownPath?.(rawPath);
    return null;
  }
  return hasValue ? { op, path, rawPath, value } : { op, path, rawPath };
}

function parseOpKind(raw: unknown, where: string): PatchOpKind {
  // Entra ID sends "Add", "Replace" and "Remove" capitalised.
  const op = typeof raw === "string" ? raw.trim().toLowerCase() : undefined;
  if (op === "add" || op === "remove" || op === "replace") return op;
  throw new InvalidSyntaxError(`${where} has op ${raw === undefined ? "missing" : quoted(raw)}; use "add", "remove" or "replace".`);
}

function parseRawPath(raw: unknown, where: string): string | undefined {
  // Some clients send "path": "" or null for "no path"; both mean the resource itself.
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string") throw new InvalidPathError(`${where} has a "path" that is not a string; send the attribute path as a string.`);
  const trimmed = raw.trim();
  return trimmed === "" ? undefined : trimmed;
}

const SCHEMAS_PATH: PatchPath = { path: { attribute: "schemas" } };

// Provisioning clients send the same few dozen paths in every request; a parsed path is immutable, so
// it is kept per resource type (bounded, emptied when full) and parsed only the first time.
const MAX_CACHED_PATHS = 2048;
const pathCache = new WeakMap<ResourceSchema, Map<string, PatchPath>>();

/** Parses and resolves a path so that a request naming an unknown attribute fails before anything is applied. */
export function parsePatchPath(rawPath: string, rs: ResourceSchema): PatchPath {
  let cache = pathCache.get(rs);
  const hit = cache?.get(rawPath);
  if (hit) return hit;
  const path = parseUncached(rawPath, rs);
  if (!cache) pathCache.set(rs, (cache = new Map()));
  if (cache.size >= MAX_CACHED_PATHS) cache.clear();
  cache.set(rawPath, path);
  return path;
}

function parseUncached(rawPath: string, rs: ResourceSchema): PatchPath {
  // `schemas` is derived from the extensions present, so operations on it are accepted and ignored.
  if (rawPath.toLowerCase() === "schemas") return SCHEMAS_PATH;
  const path = parsePath(rawPath, rs);
  resolveTarget(path, rs, rawPath);
  return path;
}

function member(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  for (const k of Object.keys(obj)) if (k.toLowerCase() === name) return obj[k];
  return undefined;
}

function hasMember(obj: Record<string, unknown>, name: string): boolean {
  for (const k of Object.keys(obj)) if (k.toLowerCase() === name) return true;
  return false;
}

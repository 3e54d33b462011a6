import { InvalidFilterError } from "../errors.ts";
import { comparedLeaf, resolveAttribute, type ResolvedAttribute, type ResourceSchema } from "../schema/registry.ts";
import { parseFilterInstant } from "./date-time.ts";
import { resolvePath, type AttrPath, type CompareOp, type FilterNode, type FilterValue } from "./ast.ts";
import { quoted } from "../quote.ts";
import { coerceBoolean } from "../resource/coerce-value.ts";

export interface ParseFilterOptions {
  /** Deepest nesting of `(`, `not (` and `[` accepted; bounds the parser's recursion. */
  readonly maxDepth?: number;
  /** Longest input accepted, in characters; bounds the tree that later walkers recurse over. */
  readonly maxLength?: number;
}

export const DEFAULT_MAX_FILTER_DEPTH = 50;
export const DEFAULT_MAX_FILTER_LENGTH = 8192;

const COMPARE_OPS: ReadonlySet<string> = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const OPS_HINT = "(eq, ne, co, sw, ew, gt, ge, lt, le, pr)";
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
// RFC 7644 §3.10 ATTRNAME, plus a leading "$" for RFC 7643's "$ref" sub-attributes.
const ATTRNAME = /^[A-Za-z$][A-Za-z0-9_$-]*$/;

/** A syntax failure at a 0-based offset; the public entry points turn it into a ScimError. */
export class FilterSyntaxFailure {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isPathChar = (c: number) =>
  isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d || c === 0x3a || c === 0x2e || c === 0x24;
// Entra ID's unquoted values end at whitespace or a closing bracket.
const endsBareValue = (c: number) => isSpace(c) || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === 0x22;

/** True when `word` (lower-case letters) is at `at` in `s`, in any case. */
function wordAt(s: string, at: number, word: string): boolean {
  if (at + word.length > s.length) return false;
  for (let i = 0; i < word.length; i++) if ((s.charCodeAt(at + i) | 0x20) !== word.charCodeAt(i)) return false;
  return true;
}

// Long enough for a URN-qualified name ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department.x").
const quote = (s: string) => quoted(s, 120);

/** A dateTime filter value: a date that exists, with or without its time ("2024-01-01", "2024-01-31T12:00:00Z"). */
const isDateLike = (v: FilterValue): boolean => typeof v === "string" && parseFilterInstant(v) !== undefined;

/**
 * A recursive-descent reader over the RFC 7644 §3.4.2.2 grammar. PATCH path parsing reuses it for
 * `attrPath` and bracketed value filters so there is one implementation of the filter language.
 */
export class FilterReader {
  pos = 0;
  private depth = 0;

  constructor(
    readonly input: string,
    readonly rs: ResourceSchema | undefined,
    private readonly maxDepth: number,
  ) {}

  fail(offset: number, reason: string): never {
    throw new FilterSyntaxFailure(offset, reason);
  }

  skipSpace(): void {
    const s = this.input;
    while (this.pos < s.length && isSpace(s.charCodeAt(this.pos))) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.input.length;
  }

  peek(): number {
    return this.input.charCodeAt(this.pos);
  }

  /** FILTER, with `not` binding tighter than `and`, and `and` tighter than `or` (RFC 7644 §3.4.2.2, Table 3). */
  filter(inBrackets: ResolvedAttribute | null | undefined): FilterNode {
    let left = this.andChain(inBrackets);
    for (;;) {
      if (!this.keyword("or")) return left;
      left = { kind: "or", left, right: this.andChain(inBrackets) };
    }
  }

  private andChain(inBrackets: ResolvedAttribute | null | undefined): FilterNode {
    let left = this.unary(inBrackets);
    for (;;) {
      if (!this.keyword("and")) return left;
      left = { kind: "and", left, right: this.unary(inBrackets) };
    }
  }

  /** Consumes ` and ` / ` or ` (any case: Okta and Entra both send "AND") when it comes next. */
  private keyword(word: "and" | "or"): boolean {
    const save = this.pos;
    this.skipSpace();
    const s = this.input;
    const end = this.pos + word.length;
    if (wordAt(s, this.pos, word)) {
      const next = s.charCodeAt(end);
      if (end === s.length) this.fail(this.pos, `expected a filter after "${s.slice(this.pos, end)}"`);
      if (isSpace(next) || next === 0x28) {
        this.pos = end;
        this.skipSpace();
        return true;
      }
    }
    this.pos = save;
    return false;
  }

  private enter(offset: number): void {
    if (++this.depth > this.maxDepth)
      this.fail(offset, `the filter nests more than ${this.maxDepth} levels of brackets; simplify it`);
  }

  private unary(inBrackets: ResolvedAttribute | null | undefined): FilterNode {
    this.skipSpace();
    const start = this.pos;
    const s = this.input;
    if (this.atEnd()) this.fail(start, "expected an attribute name, \"not\" or \"(\" but the filter ended");
    const c = this.peek();
    if (c === 0x28) {
      this.pos++;
      const inner = this.group(start, inBrackets);
      return inner;
    }
    // RFC 7644 §3.4.2.2 writes `not` immediately before a parenthesised filter; any case is accepted.
    if (wordAt(s, start, "not")) {
      let p = start + 3;
      while (p < s.length && isSpace(s.charCodeAt(p))) p++;
      if (s.charCodeAt(p) === 0x28) {
        this.pos = p + 1;
        return { kind: "not", expr: this.group(p, inBrackets) };
      }
      if (p > start + 3 || p === s.length)
        this.fail(p, "expected \"(\" after \"not\"; write not (filter)");
    }
    return this.attrExp(inBrackets);
  }

  private group(open: number, inBrackets: ResolvedAttribute | null | undefined): FilterNode {
    this.enter(open);
    const inner = this.filter(inBrackets);
    this.skipSpace();
    if (this.peek() !== 0x29) this.expectedAfterExpression(open, ")");
    this.pos++;
    this.depth--;
    return inner;
  }

  /** Reports what was found where a logical operator or a closing bracket was due. */
  expectedAfterExpression(open: number | undefined, closer: ")" | "]" | undefined): never {
    if (this.atEnd() && open !== undefined && closer !== undefined)
      this.fail(open, `this "${closer === ")" ? "(" : "["}" is never closed with "${closer}"`);
    const want = closer === undefined ? "\"and\", \"or\" or the end of the filter" : `"and", "or" or "${closer}"`;
    this.fail(this.pos, `expected ${want} but found ${quote(this.input.slice(this.pos, this.pos + 12))}`);
  }

  /**
   * attrPath: `[URI ":"] ATTRNAME ["." subAttr]`. The URN is everything up to the last ":" (RFC 7644 §3.10),
   * so `urn:...:enterprise:2.0:User:manager.value` is the enterprise URN, `manager` and `value`.
   */
  attrPath(): { path: AttrPath; start: number; text: string } {
    this.skipSpace();
    const s = this.input;
    const start = this.pos;
    const first = s.charCodeAt(start);
    if (!(isAlpha(first) || first === 0x24)) {
      if (this.atEnd()) this.fail(start, "expected an attribute name but the input ended");
      this.fail(start, `expected an attribute name, "not" or "(" but found ${quote(s.slice(start, start + 12))}`);
    }
    let p = start;
    while (p < s.length && isPathChar(s.charCodeAt(p))) p++;
    this.pos = p;
    const text = s.slice(start, p);
    let uri: string | undefined;
    let rest = text;
    if (text.length > 4 && text.charCodeAt(3) === 0x3a && wordAt(text, 0, "urn")) {
      const colon = text.lastIndexOf(":");
      uri = text.slice(0, colon);
      rest = text.slice(colon + 1);
      if (rest === "") this.fail(start, `expected an attribute name after the schema URN ${quote(uri)}`);
    } else if (text.includes(":")) {
      this.fail(start, `${quote(text)} is not an attribute name; qualify attributes with a full schema URN such as "urn:ietf:params:scim:schemas:core:2.0:User:userName"`);
    }
    const parts = rest.split(".");
    if (parts.length > 2)
      this.fail(start, `${quote(text)} names more than one sub-attribute level; SCIM attributes nest only once`);
    for (const part of parts)
      if (!ATTRNAME.test(part)) this.fail(start, `${quote(text)} is not a valid attribute name`);
    const path: AttrPath =
      parts.length === 2
        ? uri === undefined
          ? { attribute: parts[0]!, subAttribute: parts[1]! }
          : { uri, attribute: parts[0]!, subAttribute: parts[1]! }
        : uri === undefined
          ? { attribute: parts[0]! }
          : { uri, attribute: parts[0]! };
    return { path, start, text };
  }

  /** Resolves a path against the schema, relative to the value path's attribute when inside brackets. */
  resolve(path: AttrPath, start: number, text: string, outer: ResolvedAttribute | null | undefined): ResolvedAttribute | null {
    const rs = this.rs;
    if (!rs) return null;
    const resolved = outer
      ? resolveAttribute(rs, `${outer.schema.id}:${outer.attribute.name}.${path.attribute}`)
      : resolvePath(rs, path);
    if (!resolved) {
      const where = outer ? `a sub-attribute of "${outer.attribute.name}"` : `an attribute of ${rs.type.name} resources`;
      this.fail(start, `${quote(text)} is not ${where}`);
    }
    return resolved;
  }

  /**
   * The bracketed part of a value path, `[valFilter]`, with the reader just past `[`. Inner paths are
   * sub-attributes of the outer attribute, so they carry neither a URN nor a further sub-attribute.
   */
  bracketFilter(open: number, outer: ResolvedAttribute | null): FilterNode {
    this.enter(open);
    const inner = this.filter(outer);
    this.skipSpace();
    if (this.peek() !== 0x5d) this.expectedAfterExpression(open, "]");
    this.pos++;
    this.depth--;
    return inner;
  }

  /** Checks that a value path may open on this attribute: RFC 7644 §3.4.2.2 value paths filter complex values. */
  checkValuePathTarget(path: AttrPath, start: number, text: string): ResolvedAttribute | null {
    if (path.subAttribute !== undefined)
      this.fail(start, `${quote(text)} is a sub-attribute; a value filter "[...]" follows a complex attribute such as "emails"`);
    const resolved = this.resolve(path, start, text, undefined);
    if (resolved && resolved.attribute.type !== "complex")
      this.fail(start, `${quote(text)} is not a complex attribute, so it cannot take a value filter "[...]"`);
    return resolved;
  }

  private attrExp(inBrackets: ResolvedAttribute | null | undefined): FilterNode {
    const { path, start, text } = this.attrPath();
    const s = this.input;
    if (inBrackets !== undefined) {
      if (path.uri !== undefined || path.subAttribute !== undefined)
        this.fail(start, `${quote(text)} must be a plain sub-attribute name inside "[...]", such as type or value`);
      if (this.peek() === 0x5b) this.fail(this.pos, "value filters cannot be nested inside \"[...]\"");
    }
    if (inBrackets === undefined && this.peek() === 0x5b) {
      const outer = this.checkValuePathTarget(path, start, text);
      const open = this.pos;
      this.pos++;
      const filter = this.bracketFilter(open, outer);
      if (this.peek() === 0x2e) {
        // `emails[type eq "work"].value eq "x"`: not in RFC 7644's filter grammar (a sub-attribute after "]" is a
        // PATCH path form), but sent when a mapping's matching attribute is such a path; it can only mean
        // `emails[type eq "work" and value eq "x"]`, and is read so.
        this.pos++;
        const sub = this.attrExp(outer);
        return { kind: "valuePath", path, filter: { kind: "and", left: filter, right: sub } };
      }
      return { kind: "valuePath", path, filter };
    }
    const resolved = this.resolve(path, start, text, inBrackets);

    const gap = this.pos;
    this.skipSpace();
    const opStart = this.pos;
    let p = opStart;
    while (p < s.length && isAlpha(s.charCodeAt(p))) p++;
    const op = s.slice(opStart, p).toLowerCase();
    const boundary = p === s.length || !isPathChar(s.charCodeAt(p));
    if (opStart === gap || !boundary || (op !== "pr" && !COMPARE_OPS.has(op))) {
      this.fail(opStart, `expected a comparison operator ${OPS_HINT} after ${quote(text)}`);
    }
    this.pos = p;
    const never = resolved && (resolved.subAttribute ?? resolved.attribute).returned === "never";
    if (never) this.fail(start, `${quote(text)} is never stored or returned, so no resource can be found by it`);
    if (op === "pr") return { kind: "present", path };
    const compareOp = op as CompareOp;
    if (resolved && (compareOp === "gt" || compareOp === "ge" || compareOp === "lt" || compareOp === "le")) {
      const leaf = resolved.subAttribute ?? resolved.attribute;
      // RFC 7644 §3.4.2.2: ordering comparisons on boolean or binary attributes SHALL be a 400 invalidFilter.
      if (leaf.type === "boolean" || leaf.type === "binary")
        this.fail(opStart, `"${op}" cannot compare the ${leaf.type} attribute ${quote(text)}; use eq or ne`);
    }
    const valueGap = this.pos;
    this.skipSpace();
    if (this.pos === valueGap && !this.atEnd() && this.peek() !== 0x22)
      this.fail(this.pos, `expected a space after "${op}"`);
    const valueStart = this.pos;
    let value = this.value(op);
    // What is compared: the attribute, or for a complex one its value (`emails eq "x"` reads emails.value).
    const compared = resolved && comparedLeaf(resolved);
    if (resolved && !compared)
      this.fail(start, `${quote(text)} has sub-attributes but no value to compare; name one, such as ${quote(`${text}.${resolved.attribute.subAttributes?.[0]?.name ?? "value"}`)}`);
    const leaf = compared?.leaf;
    const substring = compareOp === "co" || compareOp === "sw" || compareOp === "ew";
    // A dateTime is compared chronologically (RFC 7644 §3.4.2.2): a value that is no date would match
    // nothing, silently, so `meta.lastModified gt "yesterday"` is an error, not an empty page.
    if (leaf?.type === "dateTime" && substring)
      this.fail(opStart, `"${op}" compares text, and ${quote(text)} is a dateTime; use gt, ge, lt or le with a date`);
    if (leaf?.type === "dateTime" && value !== null && !isDateLike(value))
      this.fail(valueStart, `${quote(String(value))} is not a dateTime; compare ${quote(text)} with a value such as "2024-01-31T12:00:00Z"`);
    // A boolean matches only true or false ("True" and "false" in quotes too, as Entra writes them elsewhere).
    if (leaf?.type === "boolean" && substring)
      this.fail(opStart, `"${op}" compares text, and ${quote(text)} is a boolean; use eq or ne with true or false`);
    if (leaf?.type === "boolean" && value !== null && coerceBoolean(value) === undefined)
      this.fail(valueStart, `${quote(text)} is a boolean, so it can only be compared with true or false`);
    const textual = leaf?.type === "string" || leaf?.type === "reference";
    // A bare number or true/false compared with a text attribute is the text it spells, as written: Entra sends
    // unquoted values (`externalId eq jyoung`, so `externalId eq 12345` and a matching value that is "true").
    if (textual && (typeof value === "number" || typeof value === "boolean")) value = this.input.slice(valueStart, this.pos);
    return { kind: "compare", path, op: compareOp, value };
  }

  /** compValue: a JSON string, number, true, false or null (RFC 7644 §3.4.2.2). */
  private value(op: string): FilterValue {
    const s = this.input;
    const start = this.pos;
    if (this.atEnd())
      this.fail(start, `expected a value (a quoted string, number, true, false or null) after "${op}" but the filter ended`);
    if (this.peek() === 0x22) return this.jsonString();
    if (this.peek() === 0x27) {
      // 'x' is not in the grammar; read as a bare value it would be the text with its quotes, and match nothing.
      const close = s.indexOf("'", start + 1);
      this.fail(start, `strings are written in double quotes: write ${JSON.stringify(s.slice(start + 1, close < 0 ? undefined : close))}`);
    }
    let p = start;
    while (p < s.length && !endsBareValue(s.charCodeAt(p))) p++;
    if (p === start)
      this.fail(start, `expected a value (a quoted string, number, true, false or null) after "${op}"`);
    this.pos = p;
    const token = s.slice(start, p);
    // Literal names in any case: Entra ID sends `active eq True`.
    const lower = token.toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
    if (lower === "null") return null;
    if (NUMBER.test(token)) return Number(token);
    // Entra ID sends some values unquoted, e.g. `externalId eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef`;
    // any other bare token is taken as the string it spells.
    return token;
  }

  private jsonString(): string {
    const s = this.input;
    const open = this.pos;
    let p = open + 1;
    let out = "";
    let runStart = p;
    for (;;) {
      if (p >= s.length) this.fail(open, "this string is never closed with a double quote");
      const c = s.charCodeAt(p);
      if (c === 0x22) {
        out += s.slice(runStart, p);
        this.pos = p + 1;
        return out;
      }
      if (c !== 0x5c) {
        p++;
        continue;
      }
      out += s.slice(runStart, p);
      const e = s.charCodeAt(p + 1);
      switch (e) {
        case 0x22: out += "\""; break;
        case 0x5c: out += "\\"; break;
        case 0x2f: out += "/"; break;
        case 0x62: out += "\b"; break;
        case 0x66: out += "\f"; break;
        case 0x6e: out += "\n"; break;
        case 0x72: out += "\r"; break;
        case 0x74: out += "\t"; break;
        case 0x75: {
          const hex = s.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(p, "\"\\u\" must be followed by four hexadecimal digits");
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.fail(p, "unknown escape in string; JSON allows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX");
      }
      p += 2;
      runStart = p;
    }
  }
}

export function filterMessage(f: FilterSyntaxFailure): string {
  return `The filter is invalid at position ${f.offset + 1}: ${f.reason}; see RFC 7644 section 3.4.2.2.`;
}

/**
 * Parses an RFC 7644 §3.4.2.2 filter. With `rs`, every attribute path must name an attribute of that
 * resource type. Throws InvalidFilterError, and nothing else, for any input.
 */
export function parseFilter(input: string, rs?: ResourceSchema, options: ParseFilterOptions = {}): FilterNode {
  const maxLength = options.maxLength ?? DEFAULT_MAX_FILTER_LENGTH;
  if (input.length > maxLength)
    throw new InvalidFilterError(
      `The filter is ${input.length} characters long, more than the ${maxLength} accepted; split the query into smaller ones.`,
    );
  const reader = new FilterReader(input, rs, options.maxDepth ?? DEFAULT_MAX_FILTER_DEPTH);
  try {
    const node = reader.filter(undefined);
    reader.skipSpace();
    if (!reader.atEnd()) reader.expectedAfterExpression(undefined, undefined);
    return node;
  } catch (e) {
    if (e instanceof FilterSyntaxFailure) throw new InvalidFilterError(filterMessage(e));
    throw e;
  }
}

import { assertNever, type AttrPath, type CompareOp, type FilterNode } from "../core/filter/ast.ts";
import {
  operandFor,
  resolveFilterPath,
  resolveInnerPath,
  type Operand,
} from "../core/filter/match-filter.ts";
import { InvalidFilterError, InvalidValueError } from "../core/errors.ts";
import { comparedLeaf, resolvePathName, type ResolvedAttribute, type ResourceSchema } from "../core/schema/registry.ts";
import type { AttributeDef } from "../core/schema/types.ts";
import { quoted } from "../core/quote.ts";

// RFC 7644 §3.4.2.2 filters as SQLite WHERE clauses. The semantics are core/filter/match-filter.ts's
// (operandFor, comparedLeaf); this file only decides where each value is read from. Every literal is a
// bound `?`; identifiers come from the SqlTarget and the schema registry, never from the filter text.
// Case: values kept in a folded column are folded by JS toLowerCase() (full Unicode). Values read from the
// JSON column are folded by SQLite's lower(), which folds ASCII only, plus a replace() for each capital whose
// lower case occurs in the literal (see lowered): equal, co, sw and ew then agree with toLowerCase(). Known
// limits: gt/ge/lt/le may order a capital the literal does not contain differently, and context-dependent
// folds (a final "Σ") and capitals that fold to ASCII (the Kelvin sign) are not followed.
// The JSON column is assumed to hold values coerced to their schema types (core/resource/coerce-value.ts),
// so SQL does not re-check JSON types: a string attribute holds a string, a complex value an object.

/** One attribute kept in a column of its own. Column names are trusted identifiers, unqualified. */
export interface SqlColumn {
  /** The value as provisioned; dateTime values as Date.prototype.toISOString() text. */
  readonly exact?: string;
  /** The value folded with JS toLowerCase(), used for attributes whose caseExact is false. */
  readonly folded?: string;
}

/**
 * A side table holding one row per value of a multi-valued attribute, joined to the resource by
 * `ownerColumn = <alias>.<idColumn>`, so that `emails.value eq "x"` becomes an indexed IN subquery.
 */
export interface SqlSideTable {
  readonly table: string;
  readonly ownerColumn: string;
  /** Canonical sub-attribute name (`value`, `type`) to the column holding it. */
  readonly subAttributes: Readonly<Record<string, SqlColumn>>;
  /**
   * Whether every value of the attribute has a row. When not (an email without a `value` has none), the side
   * table answers only the filters no such value can match; `pr` and the others read the JSON column.
   */
  readonly rowPerElement: boolean;
}

/** How one storage table holds a resource type, so the compiler can address each attribute. */
export interface SqlTarget {
  readonly table: string;
  /** The alias the query gives `table` (`FROM scim_users AS u`); compiled SQL qualifies columns with it. */
  readonly alias: string;
  readonly idColumn: string;
  /** JSON text of the resource as provisioned; attributes not mapped below are read from it. */
  readonly jsonColumn: string;
  /**
   * Attributes with their own column, keyed by canonical path: `userName`, `meta.created`, and for an
   * extension `urn:...:enterprise:2.0:User:department`. A column is preferred to the JSON copy.
   */
  readonly columns: Readonly<Record<string, SqlColumn>>;
  /** Multi-valued attributes with a side table, keyed by canonical path (`emails`, `members`). */
  readonly sideTables: Readonly<Record<string, SqlSideTable>>;
  /**
   * Canonical top-level attributes the JSON column does not carry (`id`, `meta`, a group's `members`):
   * filtering on one of their parts that has no column or side-table column is an invalidFilter.
   */
  readonly notInJson: readonly string[];
  /** Attributes with one value for every resource of the table (`meta.resourceType`), by canonical path. */
  readonly constants?: Readonly<Record<string, string>>;
}

export interface CompiledSql {
  readonly sql: string;
  readonly params: (string | number | null)[];
}

/**
 * Where a compared or tested value lives: one SQL expression per resource ("scalar"), or one per value of
 * a multi-valued attribute, from a correlated json_each ("exists") or a side table ("in").
 * `folded`: the expression is already toLowerCase()-folded. `json`: it is read from the JSON column.
 */
interface Source {
  readonly kind: "scalar" | "exists" | "in";
  readonly from?: string;
  readonly expr: string;
  readonly folded: boolean;
  readonly json: boolean;
}

/** Inside `attr[...]`: the element being tested, either a side-table row or a JSON object. */
type Scope =
  | { readonly kind: "side"; readonly alias: string; readonly side: SqlSideTable; readonly outer: ResolvedAttribute }
  | { readonly kind: "json"; readonly element: string; readonly outer: ResolvedAttribute };

const canonicalKey = (r: ResolvedAttribute, sub: AttributeDef | undefined): string => {
  const base = r.extension ? `${r.schema.id}:${r.attribute.name}` : r.attribute.name;
  return sub ? `${base}.${sub.name}` : base;
};

/** A SQL string literal of a JSON path built from registry names: `'$."urn:...:User"."department"'`. */
function jsonPath(segments: readonly string[]): string {
  let p = "$";
  for (const s of segments) {
    if (/["\\']/.test(s)) throw new InvalidFilterError(`The attribute name ${quoted(s)} cannot be addressed in storage.`);
    p += `."${s}"`;
  }
  return `'${p}'`;
}

/** The most capitals `lowered` folds with replace() in one filter. */
const MAX_FOLDED_CAPITALS = 64;

const isAscii = (s: string) => !/[^\u0000-\u007f]/.test(s);

let capitals: [string, string][] | undefined;
/** Every non-ASCII character that toLowerCase() changes, with its lower case ("É" -> "é", "İ" -> "i̇"). */
function nonAsciiCapitals(): [string, string][] {
  if (!capitals) {
    capitals = [];
    for (let cp = 0x80; cp <= 0x1ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const lower = c.toLowerCase();
      if (lower !== c) capitals.push([c, lower]);
    }
  }
  return capitals;
}

const SQL_OP: Record<"eq" | "gt" | "ge" | "lt" | "le", string> = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" };

/** Joins expressions as a balanced tree, so a long and/or chain stays within SQLite's expression depth limit. */
export function joinBalanced(parts: readonly string[], op: "AND" | "OR", from = 0, to = parts.length): string {
  if (to - from === 1) return parts[from]!;
  const mid = (from + to) >>> 1;
  return `(${joinBalanced(parts, op, from, mid)} ${op} ${joinBalanced(parts, op, mid, to)})`;
}

class FilterCompiler {
  readonly params: (string | number | null)[] = [];
  private replaces = 0;
  private aliases = 0;
  private readonly self: string;
  private readonly json: string;

  constructor(
    private readonly rs: ResourceSchema,
    private readonly t: SqlTarget,
  ) {
    this.self = `${t.alias}.${t.idColumn}`;
    this.json = `${t.alias}.${t.jsonColumn}`;
  }

  private alias(prefix: string): string {
    return `${prefix}${this.aliases++}`;
  }

  /**
   * An expression that is TRUE exactly when `node` matches (or, with `negate`, does not match), and
   * FALSE or NULL otherwise. Negation is pushed to the leaves, where a NULL is turned into "no match"
   * before it is negated, so `not (x eq "a")` holds for a resource without x, as in matchFilter.
   */
  compile(node: FilterNode, negate: boolean, scope: Scope | undefined): string {
    switch (node.kind) {
      case "and":
      case "or": {
        const operands: FilterNode[] = [];
        let n: FilterNode = node;
        while (n.kind === node.kind) {
          operands.push(n.right);
          n = n.left;
        }
        operands.push(n);
        operands.reverse();
        const parts = operands.map((o) => this.compile(o, negate, scope));
        return joinBalanced(parts, (node.kind === "and") !== negate ? "AND" : "OR");
      }
      case "not":
        return this.compile(node.expr, !negate, scope);
      case "present":
        return this.polarity(this.present(node.path, scope), negate);
      case "compare":
        if (node.value === null) {
          if (node.op === "eq") return this.polarity(this.present(node.path, scope), !negate);
          if (node.op === "ne") return this.polarity(this.present(node.path, scope), negate);
          return negate ? "1" : "0";
        }
        if (node.op === "ne") return this.polarity(this.compare(node.path, "eq", node.value, scope), !negate);
        return this.polarity(this.compare(node.path, node.op, node.value, scope), negate);
      case "valuePath":
        return this.polarity(this.valuePath(node.path, node.filter, scope), negate);
      default:
        return assertNever(node);
    }
  }

  private polarity(positive: string, negate: boolean): string {
    if (!negate) return positive;
    if (positive === "0") return "1";
    if (positive === "1") return "0";
    return `(${positive}) IS NOT 1`;
  }

  private resolve(path: AttrPath, scope: Scope | undefined): ResolvedAttribute {
    return scope ? resolveInnerPath(this.rs, scope.outer, path) : resolveFilterPath(this.rs, path);
  }

  private unsupported(r: ResolvedAttribute, sub: AttributeDef | undefined): never {
    throw new InvalidFilterError(
      `The filter uses ${JSON.stringify(canonicalKey(r, sub))}, which this server cannot filter ${this.rs.type.name} resources by; filter on another attribute.`,
    );
  }

  /** Where the values at `r` (its sub-attribute `sub`, when given) are read from. */
  private source(r: ResolvedAttribute, sub: AttributeDef | undefined, leaf: AttributeDef, scope: Scope | undefined): Source {
    if (scope) {
      const name = sub!.name;
      if (scope.kind === "side") {
        const col = scope.side.subAttributes[name]!;
        return this.columnSource(col, leaf, scope.alias) ?? this.unsupported(r, sub);
      }
      return { kind: "scalar", expr: `json_extract(${scope.element}, ${jsonPath([name])})`, folded: false, json: true };
    }
    const constant = this.t.constants?.[canonicalKey(r, sub)];
    if (constant !== undefined) return { kind: "scalar", expr: this.bind(constant), folded: false, json: false };
    const column = this.t.columns[canonicalKey(r, sub)];
    const fromColumn = column ? this.columnSource(column, leaf, this.t.alias) : undefined;
    if (fromColumn) return fromColumn;
    const side = sub && r.attribute.multiValued ? this.t.sideTables[canonicalKey(r, undefined)] : undefined;
    const sideColumn = side?.subAttributes[sub!.name];
    if (side && sideColumn) {
      const a = this.alias("s");
      const s = this.columnSource(sideColumn, leaf, a);
      if (s) return { ...s, kind: "in", from: `SELECT ${a}.${side.ownerColumn} FROM ${side.table} AS ${a}` };
    }
    if (this.t.notInJson.includes(canonicalKey(r, undefined))) this.unsupported(r, sub);
    const base = r.extension ? [r.schema.id, r.attribute.name] : [r.attribute.name];
    if (r.attribute.multiValued) {
      const e = this.alias("e");
      const expr = sub ? `json_extract(${e}.value, ${jsonPath([sub.name])})` : `${e}.value`;
      return { kind: "exists", from: `SELECT 1 FROM json_each(${this.json}, ${jsonPath(base)}) AS ${e}`, expr, folded: false, json: true };
    }
    return { kind: "scalar", expr: `json_extract(${this.json}, ${jsonPath(sub ? [...base, sub.name] : base)})`, folded: false, json: true };
  }

  /** A column read for `leaf`'s case rule: the folded column for case-insensitive strings, else the exact one. */
  private columnSource(col: SqlColumn, leaf: AttributeDef, alias: string): Source | undefined {
    const caseInsensitiveString = !leaf.caseExact && (leaf.type === "string" || leaf.type === "reference");
    if (caseInsensitiveString && col.folded) return { kind: "scalar", expr: `${alias}.${col.folded}`, folded: true, json: false };
    if (col.exact) return { kind: "scalar", expr: `${alias}.${col.exact}`, folded: false, json: false };
    return undefined;
  }

  /** Applies a predicate to a source: directly for a scalar, as "some value satisfies it" for a multi-valued one. */
  private some(src: Source, predicate: (expr: string) => string): string {
    switch (src.kind) {
      case "scalar":
        return predicate(src.expr);
      case "exists":
        return `EXISTS (${src.from} WHERE ${predicate(src.expr)})`;
      case "in":
        return `${this.self} IN (${src.from} WHERE ${predicate(src.expr)})`;
      default:
        return assertNever(src.kind);
    }
  }

  private bind(v: string | number): string {
    this.params.push(v);
    return "?";
  }

  /**
   * `x` folded as far as comparing it with the folded literal needs: SQLite's lower() folds ASCII only, so each
   * capital whose lower case occurs in the literal ("É" for "émilie") is replaced as well. A capital whose lower
   * case is not in the literal cannot take part in an equal or a matching substring either way.
   */
  private lowered(x: string, folded: string): string {
    let out = `lower(${x})`;
    if (isAscii(folded)) return out;
    for (const [capital, lower] of nonAsciiCapitals()) {
      if (!folded.includes(lower)) continue;
      // Each replace() is work on every row (and SQLite nests them at most some 800 deep): a filter is held to
      // a number no name needs (a Cyrillic or Greek name uses about 20 letters).
      if (++this.replaces > MAX_FOLDED_CAPITALS)
        throw new InvalidFilterError(
          `The filter compares more than ${MAX_FOLDED_CAPITALS} different non-ASCII letters without regard to case; split it into smaller filters.`,
        );
      out = `replace(${out}, ${this.bind(capital)}, ${this.bind(lower)})`;
    }
    return out;
  }

  private compare(path: AttrPath, op: Exclude<CompareOp, "ne">, value: string | number | boolean, scope: Scope | undefined): string {
    const r = this.resolve(path, scope);
    const target = comparedLeaf(r);
    if (!target) return "0";
    const operand = operandFor(target.leaf, op, value);
    if (operand.kind === "never") return "0";
    const src = this.source(r, target.sub, target.leaf, scope);
    return this.some(src, (x) => this.predicate(x, src, op, operand));
  }

  private predicate(x: string, src: Source, op: Exclude<CompareOp, "ne">, operand: Exclude<Operand, { kind: "never" }>): string {
    switch (operand.kind) {
      case "string": {
        const v = operand.caseExact || src.folded ? x : this.lowered(x, operand.value);
        const s = operand.value;
        switch (op) {
          // instr/substr rather than LIKE: LIKE ignores ASCII case and treats % and _ as wildcards.
          case "co":
            return `instr(${v}, ${this.bind(s)}) > 0`;
          case "sw":
            return s === "" ? `${v} IS NOT NULL` : `substr(${v}, 1, length(${this.bind(s)})) = ${this.bind(s)}`;
          case "ew":
            return s === "" ? `${v} IS NOT NULL` : `substr(${v}, -length(${this.bind(s)})) = ${this.bind(s)}`;
          default:
            return `${v} ${SQL_OP[op]} ${this.bind(s)}`;
        }
      }
      case "number":
        if (op === "co" || op === "sw" || op === "ew") return "0";
        return `${x} ${SQL_OP[op]} ${this.bind(operand.value)}`;
      case "boolean":
        return `${x} = ${this.bind(operand.value ? 1 : 0)}`;
      case "dateTime": {
        if (op === "co" || op === "sw" || op === "ew") return "0";
        // Columns hold toISOString() text, whose order is the instants' order; JSON text may carry any
        // offset, so it is compared as a Julian day number.
        if (src.json)
          return `julianday(${x}) ${SQL_OP[op]} julianday(${this.bind(operand.iso)})`;
        return `${x} ${SQL_OP[op]} ${this.bind(operand.iso)}`;
      }
      default:
        return assertNever(operand);
    }
  }

  /** RFC 7644 §3.4.2.2 `pr`, with isPresent's rule: not null, not "", and a complex value with a present part. */
  private present(path: AttrPath, scope: Scope | undefined): string {
    const r = this.resolve(path, scope);
    const nonEmpty = (x: string) => `COALESCE(${x}, '') <> ''`;
    if (scope || r.subAttribute || r.attribute.type !== "complex") {
      const src = this.source(r, r.subAttribute, r.subAttribute ?? r.attribute, scope);
      return this.some(src, nonEmpty);
    }
    const key = canonicalKey(r, undefined);
    const side = this.t.sideTables[key];
    if (side?.rowPerElement) {
      const a = this.alias("s");
      const any = Object.values(side.subAttributes).map((c) => nonEmpty(`${a}.${c.exact ?? c.folded}`));
      return `${this.self} IN (SELECT ${a}.${side.ownerColumn} FROM ${side.table} AS ${a} WHERE ${any.join(" OR ")})`;
    }
    if (this.t.notInJson.includes(key)) this.unsupported(r, undefined);
    const base = jsonPath(r.extension ? [r.schema.id, r.attribute.name] : [r.attribute.name]);
    const f = this.alias("f");
    if (!r.attribute.multiValued) return `EXISTS (SELECT 1 FROM json_each(${this.json}, ${base}) AS ${f} WHERE ${nonEmpty(`${f}.value`)})`;
    const e = this.alias("e");
    return `EXISTS (SELECT 1 FROM json_each(${this.json}, ${base}) AS ${e}, json_each(${e}.value) AS ${f} WHERE ${e}.type = 'object' AND ${nonEmpty(`${f}.value`)})`;
  }

  private valuePath(path: AttrPath, filter: FilterNode, scope: Scope | undefined): string {
    if (scope) throw new InvalidFilterError("The filter nests a value filter \"[...]\" inside another; flatten it into one bracket.");
    const outer = resolveFilterPath(this.rs, path);
    if (outer.attribute.type !== "complex" || outer.subAttribute)
      throw new InvalidFilterError(`The filter applies "[...]" to ${quoted(canonicalKey(outer, outer.subAttribute))}, which is not a complex attribute; filter a complex attribute such as emails.`);
    const key = canonicalKey(outer, undefined);
    const side = this.t.sideTables[key];
    if (side && this.coveredBy(filter, outer, side) && (side.rowPerElement || needsRow(filter))) {
      const a = this.alias("s");
      const inner = this.compile(filter, false, { kind: "side", alias: a, side, outer });
      return `${this.self} IN (SELECT ${a}.${side.ownerColumn} FROM ${side.table} AS ${a} WHERE ${inner})`;
    }
    if (this.t.notInJson.includes(key)) this.unsupported(outer, undefined);
    const base = jsonPath(outer.extension ? [outer.schema.id, outer.attribute.name] : [outer.attribute.name]);
    if (outer.attribute.multiValued) {
      // `emails[type eq "work" and value eq "x"]` (Entra's lookup when the matching attribute is the work email)
      // read from the JSON alone scanned every user: the conjuncts the side table answers narrow it first (the
      // element that matches the whole filter has a row that matches them). Compiled first: the parameters
      // follow the text's order.
      const indexed = side ? conjuncts(filter).filter((c) => this.coveredBy(c, outer, side) && needsRow(c)) : [];
      let narrow = "";
      if (side && indexed.length) {
        const a = this.alias("s");
        const where = indexed.map((c) => this.compile(c, false, { kind: "side", alias: a, side, outer })).join(" AND ");
        narrow = `${this.self} IN (SELECT ${a}.${side.ownerColumn} FROM ${side.table} AS ${a} WHERE ${where}) AND `;
      }
      const e = this.alias("e");
      const inner = this.compile(filter, false, { kind: "json", element: `${e}.value`, outer });
      return `(${narrow}EXISTS (SELECT 1 FROM json_each(${this.json}, ${base}) AS ${e} WHERE ${e}.type = 'object' AND ${inner}))`;
    }
    const element = `json_extract(${this.json}, ${base})`;
    const inner = this.compile(filter, false, { kind: "json", element, outer });
    return `(json_type(${this.json}, ${base}) = 'object' AND ${inner})`;
  }

  /** True when every sub-attribute the inner filter reads has a side-table column. */
  private coveredBy(node: FilterNode, outer: ResolvedAttribute, side: SqlSideTable): boolean {
    switch (node.kind) {
      case "and":
      case "or":
        return this.coveredBy(node.left, outer, side) && this.coveredBy(node.right, outer, side);
      case "not":
        return this.coveredBy(node.expr, outer, side);
      case "present":
      case "compare": {
        const sub = resolveInnerPath(this.rs, outer, node.path).subAttribute!;
        const col = side.subAttributes[sub.name];
        return col !== undefined && this.columnSource(col, sub, "x") !== undefined;
      }
      case "valuePath":
        return false;
      default:
        return assertNever(node);
    }
  }
}

/** The operands of a chain of `and`s (the node itself when it is no `and`). */
function conjuncts(node: FilterNode): FilterNode[] {
  return node.kind === "and" ? [...conjuncts(node.left), ...conjuncts(node.right)] : [node];
}

/**
 * Whether an inner filter can hold only for a value that has a side-table row (one with a `value`): a
 * comparison with a literal other than `ne` and null, or `pr`; `and` if either side needs it, `or` if both do.
 * `not`, `ne` and null literals can hold for a value without one, and are read from the JSON column.
 */
function needsRow(node: FilterNode): boolean {
  switch (node.kind) {
    case "and":
      return needsRow(node.left) || needsRow(node.right);
    case "or":
      return needsRow(node.left) && needsRow(node.right);
    case "present":
      return true;
    case "compare":
      return node.op !== "ne" && node.value !== null;
    default:
      return false;
  }
}

/**
 * Compiles a parsed filter to a SQLite boolean expression over `target`, with its literals as
 * positional parameters. Agrees with matchFilter on every resource; throws InvalidFilterError for an
 * attribute the resource type lacks or the target cannot address.
 */
export function compileFilter(node: FilterNode, rs: ResourceSchema, target: SqlTarget): CompiledSql {
  const c = new FilterCompiler(rs, target);
  const sql = c.compile(node, false, undefined);
  return { sql, params: c.params };
}

/**
 * An ORDER BY expression for RFC 7644 §3.4.2.3 `sortBy`, following the attribute's case rule, with
 * resources lacking the attribute last in either order. A multi-valued attribute sorts by its primary
 * value, else its first. An unknown attribute is an InvalidValueError: sortBy is a parameter value,
 * not filter syntax.
 */
export function compileSort(sortBy: string, order: "ascending" | "descending", rs: ResourceSchema, target: SqlTarget): string {
  const r = resolvePathName(rs, sortBy.trim());
  const direction = order === "descending" ? "DESC" : "ASC";
  const fail = (): never => {
    throw new InvalidValueError(
      `The sortBy value ${quoted(sortBy)} is not a sortable attribute of ${rs.type.name} resources; name a simple attribute such as "userName".`,
    );
  };
  if (!r) return fail();
  const compared = comparedLeaf(r);
  if (!compared) return fail();
  const { sub, leaf } = compared;
  // The password is never stored or returned: every user would tie.
  if (leaf.returned === "never") return fail();
  const fold = (x: string, folded: boolean) =>
    !leaf.caseExact && !folded && (leaf.type === "string" || leaf.type === "reference") ? `lower(${x})` : x;
  const column = target.columns[canonicalKey(r, sub)];
  let expr: string | undefined;
  if (column) {
    const useFolded = !leaf.caseExact && column.folded !== undefined;
    const name = useFolded ? column.folded : column.exact ?? column.folded;
    if (name) expr = fold(`${target.alias}.${name}`, useFolded || (name === column.folded));
  }
  if (!expr) {
    // RFC 7644 §3.4.2.3 sorts a multi-valued attribute by its primary value, else its first. The JSON keeps
    // both, so an attribute it holds is sorted from it, not from a side table (user_emails keeps neither); one
    // only in a side table (a group's members, a user's groups) has no primary or order: its least value.
    const key = canonicalKey(r, undefined);
    const side = r.attribute.multiValued && target.notInJson.includes(key) ? target.sideTables[key] : undefined;
    const sideCol = side?.subAttributes[sub?.name ?? "value"];
    if (side && sideCol) {
      const name = !leaf.caseExact && sideCol.folded ? sideCol.folded : sideCol.exact ?? sideCol.folded;
      expr = `(SELECT min(${fold(`s.${name}`, name === sideCol.folded)}) FROM ${side.table} AS s WHERE s.${side.ownerColumn} = ${target.alias}.${target.idColumn})`;
    } else if (target.notInJson.includes(key)) {
      return fail();
    } else {
      const json = `${target.alias}.${target.jsonColumn}`;
      const base = jsonPath(r.extension ? [r.schema.id, r.attribute.name] : [r.attribute.name]);
      if (r.attribute.multiValued) {
        const v = sub ? `json_extract(e.value, ${jsonPath([sub.name])})` : "e.value";
        // IS, not =: an element without "primary" gives NULL, which sorted after one with "primary": false.
        const primary = r.attribute.subAttributes?.some((a) => a.name === "primary") ? `(json_type(e.value, '$."primary"') IS 'true') DESC, ` : "";
        expr = `(SELECT ${fold(v, false)} FROM json_each(${json}, ${base}) AS e ORDER BY ${primary}e.key LIMIT 1)`;
      } else {
        const p = sub ? jsonPath([...(r.extension ? [r.schema.id, r.attribute.name] : [r.attribute.name]), sub.name]) : base;
        expr = fold(`json_extract(${json}, ${p})`, false);
      }
    }
  }
  if (leaf.type === "dateTime" && !column) expr = `julianday(${expr})`;
  // RFC 7644 §3.4.2.3: resources without a value are "ordered last if ascending and first if descending".
  return `${expr} ${direction} NULLS ${direction === "DESC" ? "FIRST" : "LAST"}`;
}

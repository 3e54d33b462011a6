import { assertNever, pathToString, type FilterNode, type FilterValue } from "./ast.ts";

function printValue(v: FilterValue): string {
  // JSON.stringify escapes exactly what RFC 7644 §3.4.2.2's JSON string literals require.
  if (typeof v === "number" && Object.is(v, -0)) return "-0";
  return JSON.stringify(v);
}

/** Binding strength: `or` < `and` < everything else, so parentheses appear only where the tree needs them. */
function rank(node: FilterNode): number {
  return node.kind === "or" ? 0 : node.kind === "and" ? 1 : 2;
}

function operand(node: FilterNode, min: number): string {
  const text = printFilter(node);
  return rank(node) < min ? `(${text})` : text;
}

/**
 * The canonical text of a filter: lower-case operators, JSON literals, single spaces and the fewest
 * parentheses; `parseFilter(printFilter(n))` yields a tree equal to `n`. Logical operators associate to
 * the left when parsed, so a right operand of the same kind keeps its parentheses.
 */
export function printFilter(node: FilterNode): string {
  switch (node.kind) {
    case "compare":
      return `${pathToString(node.path)} ${node.op} ${printValue(node.value)}`;
    case "present":
      return `${pathToString(node.path)} pr`;
    case "and":
      return `${operand(node.left, 1)} and ${operand(node.right, 2)}`;
    case "or":
      return `${operand(node.left, 0)} or ${operand(node.right, 1)}`;
    case "not":
      return `not (${printFilter(node.expr)})`;
    case "valuePath":
      return `${pathToString(node.path)}[${printFilter(node.filter)}]`;
    default:
      return assertNever(node);
  }
}

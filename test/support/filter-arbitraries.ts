// fast-check building blocks shared by the filter property tests.
import fc from "fast-check";

/** Filter trees over `atom`: the atom itself, or and/or/not of smaller trees (shrinking across branches). */
export function logic<T>(atom: fc.Arbitrary<T>): fc.Arbitrary<T | { kind: "and" | "or"; left: unknown; right: unknown } | { kind: "not"; expr: unknown }> {
  return fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      atom,
      fc.record({ kind: fc.constant("and" as const), left: tie("node"), right: tie("node") }),
      fc.record({ kind: fc.constant("or" as const), left: tie("node"), right: tie("node") }),
      fc.record({ kind: fc.constant("not" as const), expr: tie("node") }),
    ),
  })).node as fc.Arbitrary<T | { kind: "and" | "or"; left: unknown; right: unknown } | { kind: "not"; expr: unknown }>;
}

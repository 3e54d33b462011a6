// Micro-benchmark: parse + compile to SQL of the filters identity providers send. Goal: < 10 µs each.
import { parseFilter } from "../src/core/filter/parse-filter.ts";
import { USER } from "../src/core/schema/registry.ts";
import { compileFilter } from "../src/storage/filter-to-sql.ts";
import { USER_TARGET } from "../src/storage/sql-targets.ts";

// The real storage target, so the figure is what a request pays.
const TARGET = USER_TARGET;

const FILTERS: Record<string, string> = {
  "parse+compile userName eq": `userName eq "x"`,
  "parse+compile 5-clause": `userName sw "a" and (emails.value co "@contoso.com" or title eq "Engineer") and active eq true and not (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales")`,
};

function measure(filter: string, iterations: number): number {
  let sink = 0;
  for (let i = 0; i < iterations / 10; i++) sink += compileFilter(parseFilter(filter, USER), USER, TARGET).sql.length;
  const start = performance.now();
  for (let i = 0; i < iterations; i++) sink += compileFilter(parseFilter(filter, USER), USER, TARGET).sql.length;
  const elapsed = performance.now() - start;
  if (sink === 0) throw new Error("unreachable: keeps the loop from being optimised away");
  return (elapsed * 1000) / iterations;
}

/** Microseconds per operation, by label. */
export async function runFilterBench(iterations = 100_000): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [label, filter] of Object.entries(FILTERS)) out[`${label} (µs/op)`] = measure(filter, iterations);
  return out;
}

if (import.meta.main) {
  for (const [label, us] of Object.entries(await runFilterBench())) console.log(`${label.padEnd(40)} ${us.toFixed(2)}`);
}

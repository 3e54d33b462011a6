// `npm run bench:core`: the in-process micro-benchmarks (no server): filter parse+compile, the PATCH engine and
// the token check (near and far misses).
import { runFilterBench } from "./core-filter.ts";
import { runPatchBench } from "./core-patch.ts";
import { runTokenBench } from "./core-token.ts";

const print = (title: string, results: Record<string, number>) => {
  console.log(title);
  for (const [label, value] of Object.entries(results)) console.log(`  ${label.padEnd(48)} ${value.toFixed(2)}`);
};

print("filter (bench/core-filter.ts)", await runFilterBench());
print("patch (bench/core-patch.ts)", await runPatchBench());
print("token check (bench/core-token.ts)", await runTokenBench());

// `npm run bench:core`: the in-process micro-benchmarks (no server): filter parse+compile and the PATCH engine.
import { runFilterBench } from "./core-filter.ts";
import { runPatchBench } from "./core-patch.ts";

const print = (title: string, results: Record<string, number>) => {
  console.log(title);
  for (const [label, value] of Object.entries(results)) console.log(`  ${label.padEnd(48)} ${value.toFixed(2)}`);
};

print("filter (bench/core-filter.ts)", await runFilterBench());
print("patch (bench/core-patch.ts)", await runPatchBench());

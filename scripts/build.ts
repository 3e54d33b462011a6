// `npm run build`: one self-contained executable, dist/scimd, with the migrations embedded.
// --minify is not used: it breaks Elysia's handling of requests without an Authorization header;
// syntax and whitespace minification are safe. The binary never reads .env or bunfig.toml from the
// directory it is started in.
import { $ } from "bun";

const outfile = process.argv[2] ?? "dist/scimd";
const args = [
  "build",
  "--compile",
  "--minify-syntax",
  "--minify-whitespace",
  "--bytecode",
  "--format=esm",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  "--asset=drizzle",
  "src/main.ts",
  // The checkpoint thread (src/storage/checkpointer.ts) is its own entrypoint in the executable.
  "src/storage/checkpoint-worker.ts",
  // So is the read thread (src/storage/read-thread.ts).
  "src/storage/read-worker.ts",
  "--outfile",
  outfile,
];
const started = performance.now();
await $`${process.execPath} ${args}`.cwd(`${import.meta.dir}/..`);
console.log(`built ${outfile} in ${Math.round(performance.now() - started)} ms`);

// `npm run build`: one self-contained executable, dist/scimd, with the migrations embedded.
// --minify is not used: it breaks Elysia's handling of requests without an Authorization header;
// syntax and whitespace minification are safe. The binary never reads .env or bunfig.toml from the
// directory it is started in.
import { $ } from "bun";

const outfile = process.argv[2] ?? "dist/scimd";
const root = `${import.meta.dir}/..`;
// The commit it is built from, for `scimd version` and the start line: every build said "0.1.0", so a database
// or a bug report could not be tied to one. "+modified" when the working tree had uncommitted changes; none
// outside a git clone.
const git = (...a: string[]) => Bun.spawnSync(["git", "-C", root, ...a], { stderr: "ignore" });
const head = git("rev-parse", "--short=12", "HEAD");
const commit = head.exitCode === 0 ? head.stdout.toString().trim() + (git("status", "--porcelain").stdout.toString().trim() ? "+modified" : "") : "";
const args = [
  "build",
  ...(commit ? [`--define=SCIMD_COMMIT=${JSON.stringify(commit)}`] : []),
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
await $`${process.execPath} ${args}`.cwd(root);
console.log(`built ${outfile}${commit ? ` (commit ${commit})` : ""} in ${Math.round(performance.now() - started)} ms`);

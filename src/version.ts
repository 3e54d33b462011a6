import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

// Set by scripts/build.ts (bun build --define) in the executable; absent when run from source.
declare const SCIMD_COMMIT: string | undefined;

/** The commit the executable was built from ("+modified" with uncommitted changes), when known. */
export const COMMIT: string | undefined = typeof SCIMD_COMMIT === "string" ? SCIMD_COMMIT : undefined;

/** "0.1.0", or "0.1.0 (commit 1a2b3c4d5e6f)" for an executable built in a git clone. */
export const VERSION_LINE: string = COMMIT ? `${VERSION} (commit ${COMMIT})` : VERSION;

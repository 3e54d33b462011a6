import { StorageUnavailable } from "../core/repository.ts";

/**
 * SQLite's and the file system's "no space" and "I/O error" as the storage-neutral StorageUnavailable (the
 * HTTP edge answers 503 with what to do); any other error as it is.
 */
export function asStorageError(e: unknown): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return e;
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT") return new StorageUnavailable("full", e);
  if (code.startsWith("SQLITE_IOERR") || code === "EIO" || code === "SQLITE_READONLY" || code.startsWith("SQLITE_READONLY_") || code === "EROFS")
    return new StorageUnavailable("failed", e);
  return e;
}

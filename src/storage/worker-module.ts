/**
 * The module of a worker thread that lives beside this file in src/storage/: from source, its file URL; in the
 * executable built by scripts/build.ts, where each worker is an entrypoint of its own, "./storage/<file>" under
 * the bundle root.
 */
export function workerModule(file: string): string {
  return import.meta.url.startsWith("file:///$bunfs/") ? `./storage/${file}` : new URL(`./${file}`, import.meta.url).href;
}

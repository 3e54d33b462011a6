import { closeSync, fdatasync, fsyncSync, openSync } from "node:fs";
import { open } from "node:fs/promises";

/** fsync of a file or directory, on the calling thread. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The same, off the event loop. */
export async function fsyncPathAsync(path: string): Promise<void> {
  const file = await open(path, "r");
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * fdatasync of an open descriptor, off the event loop (one request to the thread pool): the data and what
 * is needed to read it back (the file's size), without the timestamps, as SQLite itself syncs on Linux.
 */
export function fdatasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
}

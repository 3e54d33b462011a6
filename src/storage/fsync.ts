import { closeSync, fsync, fsyncSync, openSync } from "node:fs";
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

/** fsync of an open descriptor, off the event loop (one request to the thread pool). */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
}

import { closeSync, fsyncSync, openSync } from "node:fs";
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

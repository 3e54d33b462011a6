// The checkpointer's thread (see checkpointer.ts): its own connection copies committed WAL frames into the
// database file, so that the server's event loop never does that work inside a commit.
import { Database } from "bun:sqlite";

declare const self: Worker;

let db: Database | null = null;

self.onmessage = (event: MessageEvent<{ open: string } | "checkpoint" | "close">) => {
  const m = event.data;
  try {
    if (typeof m === "object") {
      db = new Database(m.open, { readwrite: true, create: false });
      db.exec("PRAGMA busy_timeout = 5000");
      postMessage({ ok: true });
    } else if (m === "checkpoint") {
      // PASSIVE: copies what no reader still needs, never waits for readers or blocks the writer.
      const r = db!.query("PRAGMA wal_checkpoint(PASSIVE)").get() as { busy: number; log: number; checkpointed: number };
      postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
    } else {
      db?.close();
      db = null;
      postMessage({ ok: true, closed: true });
    }
  } catch (e) {
    postMessage({ ok: false, error: String(e) });
  }
};

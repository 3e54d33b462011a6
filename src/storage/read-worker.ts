// The read thread (see read-thread.ts): a read-only connection that runs the list queries SQLite cannot answer
// from an index, so that a costly filter does not hold the server's event loop.
import { Database } from "bun:sqlite";
import type { ReadRequest, ReadReply } from "./read-thread.ts";

declare const self: Worker;

let db: Database | null = null;

/** Runs a statement prepared for this request alone: the SQL of costly filters varies, and a cache would keep every one. */
function rows(sqlText: string, params: readonly (string | number | null)[]): unknown[] {
  const statement = db!.prepare(sqlText);
  try {
    return statement.all(...params);
  } finally {
    statement.finalize();
  }
}

self.onmessage = (event: MessageEvent<{ open: string } | ReadRequest | "close">) => {
  const m = event.data;
  if (m === "close") {
    db?.close();
    db = null;
    postMessage({ closed: true });
    return;
  }
  if ("open" in m) {
    try {
      db = new Database(m.open, { readonly: true });
      db.exec("PRAGMA busy_timeout = 5000");
      // As the server's own connections (storage/db.ts): a large sort stays in memory rather than writing the
      // directory's rows to the system's temporary folder (which may also be read-only in a container).
      db.exec("PRAGMA temp_store = MEMORY");
      // A quarter of theirs: a scan reads each page once, and the thread's memory counts toward the server's.
      db.exec("PRAGMA cache_size = -4096");
      postMessage({ opened: true });
    } catch (e) {
      postMessage({ opened: false, error: String(e) });
    }
    return;
  }
  let reply: ReadReply;
  // One read transaction: the page and its count see the same snapshot.
  try {
    db!.exec("BEGIN");
    try {
      const page = rows(m.page.sql, m.page.params);
      const total = m.count && (m.countWhen === "always" || page.length >= m.limit) ? (rows(m.count.sql, m.count.params)[0] as { n: number }).n : undefined;
      reply = { id: m.id, page, total };
    } finally {
      db!.exec("COMMIT");
    }
  } catch (e) {
    reply = { id: m.id, error: String(e), code: (e as { code?: unknown }).code as string | undefined };
  }
  postMessage(reply);
};

/**
 * List queries that SQLite cannot answer from an index, on a thread of their own. A read on the event loop runs
 * to its end: an `or` of 150 `co` comparisons over 124,000 users held every other request (and a SIGTERM) for
 * 9.6 s. Such queries (the query plan may read a whole table) go to this thread's read-only connection, one at a time;
 * the event loop goes on serving lookups and writes meanwhile. What identity providers send (lookups by
 * userName, externalId, id, an email, a group's displayName, and paging by rowid) uses an index and stays on the
 * event loop, where it is cheaper than a round trip to the thread.
 */
import type { Database } from "bun:sqlite";
import { workerModule } from "./worker-module.ts";

export interface ThreadStatement {
  readonly sql: string;
  readonly params: readonly (string | number | null)[];
}

/** A page query and, optionally, its count in the same snapshot: always, or only when the page is full. */
export interface ReadRequest {
  readonly id: number;
  readonly page: ThreadStatement;
  readonly limit: number;
  readonly count?: ThreadStatement;
  readonly countWhen?: "always" | "whenFull";
}

export type ReadReply = { readonly id: number; readonly page: unknown[]; readonly total?: number } | { readonly id: number; readonly error: string; readonly code?: string };

/**
 * Thrown by run() when the thread is not there: `failed` (it could not start, or died), and the caller reads on
 * the event loop instead; `closed` (the server is stopping), and the query is abandoned.
 */
export class ReadThreadUnavailable extends Error {
  constructor(readonly reason: "failed" | "closed") {
    super(reason === "closed" ? "the read thread was closed" : "the read thread is not running");
  }
}

/**
 * Queries waiting for the thread at most (the one running included). They run one at a time, each for up to
 * seconds: a longer queue only makes the last ones wait past the clients' patience (and past Bun's idle
 * timeout, which closes a connection whose answer takes 30 s), while the thread still does their work.
 */
export const MAX_QUEUED = 8;

/** Thrown by run() when MAX_QUEUED queries are already waiting: the request is refused (503) rather than queued. */
export class ReadThreadBusy extends Error {
  constructor() {
    super("the read thread has too many queries waiting");
  }
}

export class ReadThread {
  private readonly worker: Worker;
  private opened = false;
  private failed = false;
  private closed = false;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: { page: unknown[]; total?: number }) => void; reject: (e: Error) => void }>();
  private closing: (() => void) | null = null;
  /**
   * Ended with a statement running: SQLite cannot be interrupted from here, so the statement holds its thread
   * (and the process) until it ends, and its connection keeps its read lock meanwhile.
   */
  abandoned = false;

  /** `onFailure` is told once if the thread cannot start or open the database: lists then run on the event loop. */
  constructor(path: string, private readonly onFailure: (reason: string) => void) {
    this.worker = new Worker(workerModule("read-worker.ts"));
    this.worker.unref();
    this.worker.onerror = (e) => this.fail(e.message);
    this.worker.onmessage = (event: MessageEvent<ReadReply | { opened: boolean; error?: string } | { closed: true }>) => {
      const m = event.data;
      if ("closed" in m) return this.closing?.();
      if ("opened" in m) {
        if (!m.opened) return this.fail(m.error ?? "the read thread could not open the database");
        this.opened = true;
        return;
      }
      const waiting = this.pending.get(m.id);
      if (!waiting) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      if ("error" in m) waiting.reject(Object.assign(new Error(m.error), { code: m.code }));
      else waiting.resolve({ page: m.page, total: m.total });
    };
    this.worker.postMessage({ open: path });
  }

  /** Whether queries can be sent (the thread has opened the database and is not closed). */
  get available(): boolean {
    return this.opened && !this.failed && !this.closed;
  }

  run(request: Omit<ReadRequest, "id">): Promise<{ page: unknown[]; total?: number }> {
    if (!this.available) return Promise.reject(new ReadThreadUnavailable(this.closed ? "closed" : "failed"));
    if (this.pending.size >= MAX_QUEUED) return Promise.reject(new ReadThreadBusy());
    const id = this.nextId++;
    // A request in flight keeps the process alive until it is answered, as one on the event loop would.
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.rejectPending("failed");
    this.closing?.();
    this.worker.terminate();
    this.onFailure(reason);
  }

  private rejectPending(reason: "failed" | "closed"): void {
    for (const p of this.pending.values()) p.reject(new ReadThreadUnavailable(reason));
    this.pending.clear();
  }

  /** Closes the thread's connection and ends the thread, when no query is running (else see terminate). */
  async close(): Promise<void> {
    if (this.closed || this.failed) return;
    if (this.pending.size > 0) return this.terminate();
    this.closed = true;
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, 1_000);
      this.closing = () => (clearTimeout(timeout), resolve());
      this.worker.postMessage("close");
    });
    this.worker.terminate();
  }

  /** Ends the thread at once; a query in flight is abandoned (its request fails: the server is stopping). */
  terminate(): void {
    if (this.closed || this.failed) return;
    this.closed = true;
    this.abandoned = this.pending.size > 0;
    this.rejectPending("closed");
    this.worker.terminate();
  }
}

/**
 * Whether SQLite's plan for a query may read as much as a whole table: a `SCAN` of one of scimd's tables (not
 * of json_each's virtual table, which walks one resource's JSON), or a `SEARCH` of an index by a range
 * (`user_name_folded>?`), which a client can open as wide as the table (`userName gt "a" and ...`). Only
 * searches by equality (`user_name_folded=?`, `rowid=?`) are bounded by what they find.
 */
export function mayReadATable(db: Database, sqlText: string, params: readonly (string | number | null)[]): boolean {
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${sqlText}`);
  try {
    return (plan.all(...params) as { detail: string }[]).some(
      (r) => (/^SCAN /.test(r.detail) && !/VIRTUAL TABLE/.test(r.detail)) || (/^SEARCH /.test(r.detail) && /[<>]/.test(r.detail)),
    );
  } finally {
    plan.finalize();
  }
}

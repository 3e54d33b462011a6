import { workerModule } from "./worker-module.ts";

/**
 * WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside the COMMIT that crosses the
 * threshold, on the event loop: it copies every frame since the last one into the database file (two system
 * calls a page) and syncs the file, a stall of tens of milliseconds every few thousand writes, and the copy
 * costs about as much as the commits themselves. Here, after commits, the worker's own connection runs a
 * PASSIVE checkpoint (never blocking the writer or readers), at most one at a time and one per INTERVAL_MS (a
 * page changed again and again is copied once a second, not at every commit); the writer's automatic
 * checkpoint stays on at a much larger size, as a backstop should the worker fall behind.
 */
const INTERVAL_MS = 1000;


export class Checkpointer {
  private readonly worker: Worker;
  private ready = false;
  private running = false;
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastStarted = 0;
  private closed = false;
  private closing: (() => void) | null = null;
  private failed = false;

  /** `onFailure` is told once if the thread cannot start or open the database: checkpoints are then SQLite's own again. */
  constructor(path: string, private readonly onFailure: (reason: string) => void) {
    this.worker = new Worker(workerModule("checkpoint-worker.ts"));
    // The worker must not keep a finished process alive.
    this.worker.unref();
    this.worker.onerror = (e) => this.fail(e.message);
    this.worker.onmessage = (event: MessageEvent<{ ok: boolean; error?: string; closed?: boolean }>) => {
      const m = event.data;
      if (m.closed) return this.closing?.();
      if (!this.ready) {
        if (!m.ok) return this.fail(m.error ?? "the checkpoint thread could not open the database");
        this.ready = true;
      } else this.running = false;
      this.schedule();
    };
    this.worker.postMessage({ open: path });
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.closed = true;
    clearTimeout(this.timer);
    this.closing?.();
    this.worker.terminate();
    this.onFailure(reason);
  }

  /** Called after each commit. */
  committed(): void {
    this.dirty = true;
    this.schedule();
  }

  private schedule(): void {
    if (!this.ready || this.running || !this.dirty || this.closed || this.timer) return;
    const wait = INTERVAL_MS - (performance.now() - this.lastStarted);
    const go = () => {
      this.timer = undefined;
      if (this.running || !this.dirty || this.closed) return;
      this.dirty = false;
      this.running = true;
      this.lastStarted = performance.now();
      this.worker.postMessage("checkpoint");
    };
    if (wait <= 0) go();
    else {
      this.timer = setTimeout(go, wait);
      this.timer.unref?.();
    }
  }

  /**
   * Ends the thread at once, a checkpoint in progress with it (SQLite's checkpoints survive being cut off):
   * for a storage closed without drain(), such as a server that could not start listening.
   */
  terminate(): void {
    if (this.closed || this.failed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.worker.terminate();
  }

  /** Closes the worker's connection (waiting for a checkpoint in progress) and ends the thread. */
  async close(): Promise<void> {
    if (this.closed || this.failed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(resolve, 10_000);
      this.closing = () => (clearTimeout(timeout), resolve());
      this.worker.postMessage("close");
    });
    this.worker.terminate();
  }
}

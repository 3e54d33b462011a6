// A small keep-alive SCIM client (Bun's fetch reuses connections) that records latency and unexpected statuses.
import type { Recorder } from "./stats.ts";

export interface Reply {
  status: number;
  text: string;
}

export class ScimClient {
  private readonly auth: string;
  constructor(
    readonly baseUrl: string,
    token: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.auth = `Bearer ${token}`;
  }

  /**
   * Sends one request and reads the whole body (so that the connection is reused). A status outside 2xx
   * counts as an error on `rec` unless `expected` accepts it (a lookup's 404).
   */
  async call(rec: Recorder | null, method: string, path: string, body?: unknown, expected?: (status: number) => boolean, headers?: Record<string, string>): Promise<Reply> {
    const h: Record<string, string> = { authorization: this.auth, accept: "application/scim+json", ...headers };
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["content-type"] ??= "application/scim+json";
    }
    const started = performance.now();
    let status = 0;
    let text = "";
    try {
      const res = await fetch(this.baseUrl + path, { method, headers: h, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
      status = res.status;
      text = await res.text();
    } catch (e) {
      text = String(e);
    }
    const elapsed = performance.now() - started;
    if (rec) {
      rec.add(elapsed);
      const ok = status >= 200 && status < 300;
      if (!ok && !(status !== 0 && expected?.(status))) rec.error(`${method} ${path.slice(0, 80)} -> ${status} ${text.slice(0, 160)}`);
    }
    return { status, text };
  }
}

/**
 * Runs `task(i)` for i in [0, n) on `concurrency` async workers, stopping early at `deadlineMs`
 * (every loop is bounded in count and in time). Returns the number of tasks run and the elapsed ms.
 */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>, deadlineMs = 600_000): Promise<{ done: number; elapsedMs: number }> {
  let next = 0;
  let done = 0;
  const stopAt = performance.now() + deadlineMs;
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= n || performance.now() > stopAt) return;
      await task(i);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, n)) }, worker));
  return { done, elapsedMs: performance.now() - started };
}

// The benchmark's load generator: a small HTTP/1.1 keep-alive client over raw TCP sockets (Bun.connect), one
// request in flight per connection, that records latency and unexpected statuses.
//
// Why not fetch: Bun's fetch costs about 100 µs of CPU per request on these machines, as much as the server's
// own work, and the load generator shares the server's two cores; a benchmark driven by it measures the
// client. This client costs a few µs per request (`npm run bench` prints the client's CPU per request beside
// the server's), the way wrk does, and it is written here rather than taken from a package because the
// workload is a sequence of dependent SCIM calls (look up, then create; read the id a POST returns), which
// fixed-request tools such as autocannon or wrk do not express.
import type { Socket } from "bun";
import type { Recorder } from "./stats.ts";

export interface Reply {
  status: number;
  text: string;
}

const CRLF_CRLF = Buffer.from("\r\n\r\n");
const decoder = new TextDecoder();

interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

/** One keep-alive connection; `send` must not be called again before its promise settles. */
class Connection {
  private pending: Pending | null = null;
  private closedError: Error | null = null;

  private constructor(private socket: Socket<undefined> | null) {}

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const conn = new Connection(null);
      Bun.connect({
        hostname: host,
        port,
        socket: {
          open: (s) => {
            conn.socket = s;
            s.setNoDelay(true);
            resolve(conn);
          },
          data: (_s, chunk) => conn.onData(chunk),
          close: () => conn.fail(new Error("connection closed by the server")),
          error: (_s, e) => conn.fail(e),
          connectError: (_s, e) => reject(e),
        },
      }).catch(reject);
    });
  }

  get usable(): boolean {
    return this.closedError === null;
  }

  /** When the request in flight was sent (performance.now()), for the client's timeout sweep. */
  sentAt = 0;

  send(request: string): Promise<Reply> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.sentAt = performance.now();
      // A request of a few KB goes to the socket as the string (no Buffer to allocate and fill); a larger one,
      // or one the kernel takes only part of, as bytes written in pieces.
      if (request.length <= 16_384) {
        const bytes = Buffer.byteLength(request);
        const n = this.socket!.write(request);
        if (n !== bytes) this.write(this.socket!, Buffer.from(request).subarray(Math.max(0, n)));
      } else this.write(this.socket!, Buffer.from(request));
    });
  }

  private write(s: Socket<undefined>, data: Buffer): void {
    let off = 0;
    while (off < data.length) {
      const n = s.write(data.subarray(off));
      if (n <= 0) {
        // Kernel buffer full (only for bodies of megabytes): retry on the next turn.
        setTimeout(() => this.write(s, data.subarray(off)), 1);
        return;
      }
      off += n;
    }
  }

  /** Fails the request in flight (the server did not answer in time) and closes the connection. */
  timeOut(ms: number): void {
    this.fail(new Error(`no response within ${ms} ms`));
    this.socket?.end();
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  close(): void {
    this.closedError ??= new Error("connection closed");
    this.socket?.end();
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }

  /** Body bytes still to come (Content-Length), or -1 for a chunked body, once the head has been read. */
  private head: { status: number; bodyStart: number; length: number } | null = null;
  private chunks: Buffer[] = [];
  private received = 0;

  private onData(chunk: Uint8Array): void {
    // Chunks are kept in a list and joined once per response: joining on every chunk made an 18 MB group
    // cost the client seconds.
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.received += chunk.byteLength;
    const reply = this.tryParse();
    if (!reply) return;
    const p = this.pending;
    this.pending = null;
    p?.resolve(reply);
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.received)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** A whole response (Content-Length or chunked), or null if more is needed. */
  private tryParse(): Reply | null {
    if (!this.head) {
      const buf = this.joined();
      const headEnd = buf.indexOf(CRLF_CRLF);
      if (headEnd < 0) return null;
      const text = buf.toString("latin1", 0, headEnd);
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(text);
      this.head = { status: Number(text.slice(9, 12)), bodyStart: headEnd + 4, length: cl ? Number(cl[1]) : chunked ? -1 : 0 };
    }
    const { status, bodyStart, length } = this.head;
    if (length >= 0) {
      const end = bodyStart + length;
      if (this.received < end) return null;
      const buf = this.joined();
      const text = decoder.decode(buf.subarray(bodyStart, end));
      this.finish(buf, end);
      return { status, text };
    }
    // Chunked: wait for the last chunk ("0\r\n\r\n"), then decode the whole body at once.
    const last = this.chunks[this.chunks.length - 1]!;
    const tail = last.length >= 5 ? last.subarray(last.length - 5) : this.joined().subarray(-5);
    if (tail.toString("latin1") !== "0\r\n\r\n") return null;
    const buf = this.joined();
    const parts: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", at);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.toString("latin1", at, lineEnd), 16);
      const dataStart = lineEnd + 2;
      if (size === 0) {
        this.finish(buf, dataStart + 2);
        return { status, text: decoder.decode(Buffer.concat(parts)) };
      }
      if (buf.length < dataStart + size + 2) return null;
      parts.push(buf.subarray(dataStart, dataStart + size));
      at = dataStart + size + 2;
    }
  }

  /** Drops the response that ends at `end` (anything after it belongs to no request and is kept). */
  private finish(buf: Buffer, end: number): void {
    this.head = null;
    const rest = buf.subarray(end);
    this.chunks = rest.length ? [Buffer.from(rest)] : [];
    this.received = rest.length;
  }
}

export class ScimClient {
  private readonly auth: string;
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;
  private readonly hostHeader: string;
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();

  constructor(
    readonly baseUrl: string,
    token: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.auth = `Bearer ${token}`;
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.basePath = u.pathname.replace(/\/$/, "");
    this.hostHeader = u.host;
  }

  /**
   * Sends one request and reads the whole response. A status outside 2xx counts as an error on `rec` unless
   * `expected` accepts it (a lookup's 404).
   */
  async call(rec: Recorder | null, method: string, path: string, body?: unknown, expected?: (status: number) => boolean, headers?: Record<string, string>): Promise<Reply> {
    let request = `${method} ${this.basePath}${path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\nauthorization: ${this.auth}\r\naccept: application/scim+json\r\n`;
    if (headers) for (const [k, v] of Object.entries(headers)) request += `${k}: ${v}\r\n`;
    if (body !== undefined) {
      const payload = typeof body === "string" ? body : JSON.stringify(body);
      if (!headers || !Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) request += "content-type: application/scim+json\r\n";
      request += `content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
    } else request += method !== "GET" && method !== "HEAD" ? "content-length: 0\r\n\r\n" : "\r\n";
    const started = performance.now();
    let status = 0;
    let text = "";
    let conn: Connection | undefined;
    try {
      conn = this.idle.pop() ?? (await this.open());
      ({ status, text } = await conn.send(request));
    } catch (e) {
      text = String(e);
    } finally {
      if (conn) {
        if (conn.usable && status !== 0) this.idle.push(conn);
        else (conn.close(), this.all.delete(conn));
      }
    }
    const elapsed = performance.now() - started;
    if (rec) {
      rec.add(elapsed);
      const ok = status >= 200 && status < 300;
      if (!ok && !(status !== 0 && expected?.(status))) rec.error(`${method} ${path.slice(0, 80)} -> ${status} ${text.slice(0, 160)}`);
    }
    return { status, text };
  }

  private sweeper: Timer | undefined;

  private async open(): Promise<Connection> {
    const c = await Connection.open(this.host, this.port);
    this.all.add(c);
    // One timer for every connection (a timer per request costs the client as much as parsing the reply).
    this.sweeper ??= setInterval(() => {
      const now = performance.now();
      for (const conn of this.all) if (conn.busy && now - conn.sentAt > this.timeoutMs) conn.timeOut(this.timeoutMs);
    }, Math.min(1000, this.timeoutMs));
    this.sweeper.unref();
    return c;
  }

  /** Closes every connection (the server then sees clean FINs, not resets). */
  close(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const c of this.all) c.close();
    this.all.clear();
    this.idle.length = 0;
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

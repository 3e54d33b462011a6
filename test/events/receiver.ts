// A webhook receiver for the tests: Bun.serve on 127.0.0.1 that verifies every request with the
// standardwebhooks package, and can answer 2xx, fail (503), hang, or be stopped and started on the same port.
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

export type Mode = "ok" | "fail" | "hang";

export interface Delivery {
  path: string;
  id: string;
  seq: number;
  body: any;
  headers: Record<string, string>;
  at: number;
  status: number;
}

export const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

export class Receiver {
  mode: Mode = "ok";
  /** Per-path modes that override `mode`. */
  readonly pathModes: Record<string, Mode> = {};
  /** Every request that passed signature verification, whatever it was answered. */
  readonly requests: Delivery[] = [];
  /** Requests answered 2xx (the ones the sender may count as delivered). */
  readonly delivered: Delivery[] = [];
  /** Requests whose signature did not verify (must stay empty). */
  readonly invalid: string[] = [];
  /** Requests held open (mode "hang", or the holdSeq one), released by release(). */
  private held: { d: Delivery; resolve: (r: Response) => void }[] = [];
  /** When set, the delivery of this seq is held open (not answered) until release(). */
  holdSeq: number | null = null;
  private server: ReturnType<typeof Bun.serve> | null = null;
  port = 0;

  constructor(private readonly secrets: Record<string, string>) {}

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  start(): this {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: this.port,
      idleTimeout: 60,
      fetch: (req) => this.handle(req),
    });
    this.port = this.server.port!;
    return this;
  }

  stop(): void {
    this.server?.stop(true);
    this.server = null;
  }

  private async handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    const body = await req.text();
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => (headers[k] = v));
    const secret = this.secrets[path];
    let parsed: any;
    try {
      if (!secret) throw new Error(`no secret for ${path}`);
      parsed = new Webhook(secret).verify(body, headers);
    } catch (e) {
      this.invalid.push(`${path}: ${(e as Error).message}`);
      return new Response("bad signature", { status: 400 });
    }
    const id = headers["webhook-id"]!;
    const d: Delivery = { path, id, seq: parsed?.data?.seq, body: parsed, headers, at: Date.now(), status: 0 };
    this.requests.push(d);
    const mode = this.pathModes[path] ?? this.mode;
    if (mode === "fail") {
      d.status = 503;
      return new Response("unavailable", { status: 503 });
    }
    if (mode === "hang" || (this.holdSeq !== null && d.seq === this.holdSeq)) {
      return new Promise<Response>((resolve) => this.held.push({ d, resolve }));
    }
    d.status = 200;
    this.delivered.push(d);
    return new Response(null, { status: 204 });
  }

  heldCount(): number {
    return this.held.length;
  }

  /** Answers every held request with `status` (delivered when 2xx). */
  release(status = 200): void {
    const held = this.held;
    this.held = [];
    for (const { d, resolve } of held) {
      d.status = status;
      if (status < 300) this.delivered.push(d);
      resolve(new Response(null, { status }));
    }
  }

  deliveredTo(path: string): Delivery[] {
    return this.delivered.filter((d) => d.path === path);
  }

  /** Delivered seqs to `path`, duplicates dropped by webhook-id, in order of first arrival. */
  uniqueSeqs(path: string, from = 0): number[] {
    const seen = new Set<string>();
    const out: number[] = [];
    for (const d of this.deliveredTo(path).slice(from)) {
      if (seen.has(d.id)) continue;
      seen.add(d.id);
      out.push(d.seq);
    }
    return out;
  }
}

import { Webhook } from "standardwebhooks";
import type { WebhookConfig } from "../config/schema.ts";
import { parseDuration } from "../config/load.ts";
import { isWritesStopped, type EventRecord, type Repository, type WebhookCursor } from "../core/repository.ts";
import type { Logger } from "../log/logger.ts";
import { shownUrl } from "../core/quote.ts";
import { typeMatches } from "../core/event-types.ts";
import { eventJson } from "./event-json.ts";

export interface Endpoint {
  /** The key its delivery position is kept under: `name`, else the URL as configured (positions saved by earlier versions stay found). */
  readonly name: string;
  /** What logs and `webhooks status` show: `name`, else the entry's number and its URL's scheme and host (shownUrl). */
  readonly label: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly signer: Webhook;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxAgeMs: number;
  readonly timeoutMs: number;
}

export function endpointsOf(configs: readonly WebhookConfig[]): Endpoint[] {
  return configs.map((c, i) => ({
    name: c.name || c.url,
    label: c.name || `entry ${i + 1}, ${shownUrl(c.url)}`,
    url: c.url,
    events: c.events,
    signer: new Webhook(c.secret),
    retryBaseMs: parseDuration(c.retry_base)!,
    retryMaxMs: parseDuration(c.retry_max)!,
    maxAgeMs: parseDuration(c.max_age)!,
    timeoutMs: parseDuration(c.timeout)!,
  }));
}

export type DeliveryResult = { ok: true } | { ok: false; error: string };

/**
 * One delivery attempt per the Standard Webhooks specification: the message id is the event's sequence
 * number, stable across retries, so receivers can drop the duplicates an at-least-once sender makes.
 */
export async function deliver(endpoint: Endpoint, event: EventRecord, now = new Date(), stop?: AbortSignal): Promise<DeliveryResult> {
  const payload = JSON.stringify({ type: event.type, timestamp: event.time, data: eventJson(event) });
  const id = `evt_${event.seq}`;
  const headers = {
    "content-type": "application/json",
    "user-agent": "scimd-webhooks",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
    "webhook-signature": endpoint.signer.sign(id, now, payload),
  };
  try {
    const res = await fetch(endpoint.url, { method: "POST", headers, body: payload, signal: stop ? AbortSignal.any([AbortSignal.timeout(endpoint.timeoutMs), stop]) : AbortSignal.timeout(endpoint.timeoutMs), redirect: "manual" });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
  } catch (e) {
    const name = e instanceof Error ? e.name : "";
    const message = e instanceof Error ? e.message : String(e);
    // Kept and logged: a message that quotes the URL must not carry its credentials.
    return { ok: false, error: name === "TimeoutError" ? `no answer within ${endpoint.timeoutMs} ms` : message.replaceAll(endpoint.url, shownUrl(endpoint.url)) };
  }
}

/**
 * Exponential backoff from retry_base, doubling up to retry_max, with ±20 % jitter so endpoints do not retry in
 * step. The cap applies after the jitter too, so a delay never exceeds retry_max (at the cap the jitter only
 * shortens it: 80 % to 100 % of retry_max).
 */
export function backoff(endpoint: Endpoint, attempts: number, random = Math.random): number {
  const raw = Math.min(endpoint.retryMaxMs, endpoint.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.min(endpoint.retryMaxMs, Math.round(raw * (0.8 + 0.4 * random())));
}

/** Rows of the event log one search for an endpoint's next event reads at most (a few milliseconds). */
const SEARCH_ROWS = 5_000;
/** A delivering endpoint's position is saved after this many deliveries or this long, whichever comes first. */
const SAVE_EVERY = 50;
const SAVE_MS = 1_000;

export interface WorkerOptions {
  readonly repo: Repository;
  readonly endpoints: readonly Endpoint[];
  readonly logger: Logger;
  readonly clock?: () => Date;
  /** How often an idle worker looks for new events. */
  readonly pollMs?: number;
}

/**
 * Delivers events to each endpoint in sequence order, at least once, beside the API: it reads committed
 * events from the database (the outbox) and keeps its position there, so a slow or dead receiver never
 * slows a SCIM response and a restart resumes where delivery stood.
 */
export class WebhookWorker {
  private stopped = false;
  /** Aborts deliveries in flight at shutdown: a hanging receiver must not hold the process. */
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly clock: () => Date;
  private wake: (() => void)[] = [];
  /**
   * Per endpoint, the sequence number up to which the log has been searched without finding an event of its
   * types (in memory: after a restart the search starts again from the endpoint's position).
   */
  private readonly searched = new Map<string, number>();

  constructor(private readonly opts: WorkerOptions) {
    this.clock = opts.clock ?? (() => new Date());
  }

  /** Each endpoint's name and how far the log has been searched for it, for retention. */
  subscriptions(): { name: string; searchedThrough?: number }[] {
    return this.opts.endpoints.map((e) => ({ name: e.name, searchedThrough: this.searched.get(e.name) }));
  }

  start(): void {
    for (const e of this.opts.endpoints) this.loops.push(this.run(e));
  }

  /** Wakes idle loops (called after a write, so delivery starts without waiting for the next poll). */
  nudge(): void {
    const w = this.wake;
    this.wake = [];
    for (const f of w) f();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.nudge();
    await Promise.all(this.loops);
  }

  /** Events waiting for each endpoint (for metrics and `webhooks status`). */
  async pending(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const e of this.opts.endpoints) {
      const c = await this.opts.repo.webhookCursor(e.name);
      // What was searched without a match holds none of its types: counted from there, a scrape of /metrics
      // does not read the whole log after the position of an endpoint for a rare type.
      out[e.name] = await this.opts.repo.countEvents({ after: Math.max(c.lastSeq, this.searched.get(e.name) ?? 0), types: toTypes(e.events) });
    }
    return out;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(t);
        self.wake = self.wake.filter((f) => f !== done);
        resolve();
      }
      this.wake.push(done);
    });
  }

  private async run(endpoint: Endpoint): Promise<void> {
    const { repo, logger } = this.opts;
    const poll = this.opts.pollMs ?? 500;
    // The position is kept here and saved every SAVE_EVERY deliveries, every SAVE_MS, when idle, on a failure
    // and at stop: a commit and fsync per delivered event made delivery the write load's equal (~480 events/s,
    // falling behind a stream of creates). A crash re-sends at most the unsaved ones: delivery is at least once
    // and receivers drop duplicates by webhook-id.
    let cursor: WebhookCursor | null = null;
    let unsaved = 0;
    let savedAt = performance.now();
    const save = async () => {
      if (!cursor || unsaved === 0) return;
      await repo.saveWebhookCursor(cursor);
      unsaved = 0;
      savedAt = performance.now();
    };
    while (!this.stopped) {
      try {
        cursor ??= await repo.webhookCursor(endpoint.name);
        const wait = cursor.nextAttemptAt ? Date.parse(cursor.nextAttemptAt) - this.clock().getTime() : 0;
        if (wait > 0) {
          await this.sleep(Math.min(wait, 60_000));
          continue;
        }
        // The search for the next event of the endpoint's types reads at most SEARCH_ROWS rows a turn (the type
        // is not indexed): an endpoint for a rare type searched the whole log after its position on every poll,
        // 0.8 s of blocked event loop at a million events. What was searched without a match is remembered.
        const from = Math.max(cursor.lastSeq, this.searched.get(endpoint.name) ?? 0);
        // Only durable events leave the process (see durableSeq).
        const top = await repo.durableSeq();
        const through = Math.min(top, from + SEARCH_ROWS);
        const [event] = through > from ? await repo.events({ after: from, through, limit: 1, types: toTypes(endpoint.events) }) : [];
        if (!event) {
          this.searched.set(endpoint.name, through);
          if (through >= top) await save();
          // More of the log to search: on the next turn, not after a poll interval.
          await this.sleep(through < top ? 0 : poll);
          continue;
        }
        const result = await deliver(endpoint, event, this.clock(), this.abort.signal);
        if (this.stopped && !result.ok) break;
        if (result.ok) {
          cursor = { endpoint: endpoint.name, lastSeq: event.seq, attempts: 0, nextAttemptAt: null, lastError: null };
          unsaved++;
          if (unsaved >= SAVE_EVERY || performance.now() - savedAt >= SAVE_MS) await save();
        } else {
          // Saved there, with the deliveries before it.
          cursor = await this.failed(endpoint, cursor, event, result);
          unsaved = 0;
        }
      } catch (e) {
        if (isWritesStopped(e)) {
          // Writes are stopped after a failed fdatasync: the position cannot be saved, and delivering on from a
          // position read back from the database would send the same events again and again until a restart.
          logger.error("Webhook delivery stopped: the database takes no writes since an fdatasync failed; it resumes after a restart.", { endpoint: endpoint.label });
          return;
        }
        logger.error("Webhook delivery loop failed; retrying.", { endpoint: endpoint.label, error: e instanceof Error ? e.message : String(e) });
        // Read again from the database. Deliveries made since the last save are not repeated while the search
        // position is past them; after a restart they are (at least once).
        cursor = null;
        unsaved = 0;
        await this.sleep(poll * 4);
      }
    }
    try {
      await save();
    } catch (e) {
      logger.warn("Could not save a webhook endpoint's position at stop; its last events will be delivered again.", { endpoint: endpoint.label, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * A failed delivery: parked as dead past max_age, else retried later; the position is saved either way.
   * `attempts` counts the endpoint's failures in a row, across parked events, and the next attempt waits its
   * backoff even after a park: reset there, a receiver that stayed down past max_age got one request per
   * event as fast as they could be sent (hundreds a second), each parked with a database write and a log line.
   */
  private async failed(endpoint: Endpoint, cursor: WebhookCursor, event: EventRecord, result: Extract<DeliveryResult, { ok: false }>): Promise<WebhookCursor> {
    const { repo, logger } = this.opts;
    const now = this.clock();
    const attempts = cursor.attempts + 1;
    const delay = backoff(endpoint, attempts);
    const nextAttemptAt = new Date(now.getTime() + delay).toISOString();
    if (now.getTime() - Date.parse(event.time) >= endpoint.maxAgeMs) {
      const next = { endpoint: endpoint.name, lastSeq: event.seq, attempts, nextAttemptAt, lastError: result.error };
      await repo.parkDead({ endpoint: endpoint.name, seq: event.seq, attempts, lastError: result.error, parkedAt: now.toISOString() }, next);
      logger.error("A webhook event could not be delivered within max_age and was parked as dead; see \"scimd webhooks status\".", {
        endpoint: endpoint.label,
        seq: event.seq,
        error: result.error,
        retryInMs: delay,
      });
      return next;
    }
    const next = { endpoint: endpoint.name, lastSeq: cursor.lastSeq, attempts, nextAttemptAt, lastError: result.error };
    await repo.saveWebhookCursor(next);
    logger.warn("Webhook delivery failed; it will be retried.", { endpoint: endpoint.label, seq: event.seq, attempts, retryInMs: delay, error: result.error });
    return next;
  }
}

/** Config patterns as repository type filters (`*` means no filter). */
export function toTypes(patterns: readonly string[]): string[] | undefined {
  return patterns.includes("*") ? undefined : [...patterns];
}

export { typeMatches };


import type { Repository } from "../core/repository.ts";
import type { Logger } from "../log/logger.ts";

const DAY = 86_400_000;

/** A webhook endpoint as retention sees it: its name and the event types it receives (undefined: all). */
export interface Subscription {
  readonly name: string;
  readonly types?: readonly string[];
}

/**
 * Prunes events and failed-request records older than `[audit] retain_days`, but never an event that a
 * webhook endpoint has not delivered yet or has parked as dead. An endpoint holds back from its first
 * undelivered event of the types it receives: the other types after its position are not waiting for it (an
 * endpoint for group.created alone held every later event back until the next group was created).
 */
export async function pruneOnce(repo: Repository, endpoints: readonly Subscription[], retainDays: number, now = new Date()): Promise<{ events: number; failures: number }> {
  let keepAfter = await repo.lastSeq();
  for (const e of endpoints) {
    const cursor = await repo.webhookCursor(e.name);
    const [next] = await repo.events({ after: cursor.lastSeq, limit: 1, types: e.types ? [...e.types] : undefined });
    // An event committed after lastSeq() was read has a higher seq, and prune keeps it whatever keepAfter says.
    if (next) keepAfter = Math.min(keepAfter, next.seq - 1);
  }
  return repo.prune(new Date(now.getTime() - retainDays * DAY).toISOString(), keepAfter);
}

/** Runs pruneOnce now and then every `everyMs`; returns a function that stops it. */
export function startRetention(repo: Repository, endpoints: readonly Subscription[], retainDays: number, logger: Logger, everyMs = 3_600_000): () => void {
  const run = () =>
    pruneOnce(repo, endpoints, retainDays)
      .then((r) => {
        if (r.events || r.failures) logger.info("Pruned old audit records.", { ...r, retainDays });
      })
      .catch((e: unknown) => logger.warn("Pruning old audit records failed; it will be retried.", { error: String(e) }));
  void run();
  const timer = setInterval(run, everyMs);
  return () => clearInterval(timer);
}

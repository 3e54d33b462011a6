import type { Repository } from "../core/repository.ts";
import type { Logger } from "../log/logger.ts";

const DAY = 86_400_000;

/**
 * A webhook endpoint as retention sees it: its name and, from the delivery worker, how far the log after its
 * position has been searched without finding an event of its types.
 */
export interface Subscription {
  readonly name: string;
  readonly searchedThrough?: number;
}

/**
 * Prunes events and failed-request records older than `[audit] retain_days`, but never an event that a
 * webhook endpoint has not delivered yet or has parked as dead. An endpoint holds back from its position, or
 * from where the search for its next event has reached: an endpoint for group.created alone does not keep
 * every user event waiting for the next group to be created.
 */
export async function pruneOnce(repo: Repository, endpoints: readonly Subscription[], retainDays: number, now = new Date()): Promise<{ events: number; failures: number }> {
  let keepAfter = await repo.lastSeq();
  for (const e of endpoints) keepAfter = Math.min(keepAfter, Math.max((await repo.webhookCursor(e.name)).lastSeq, e.searchedThrough ?? 0));
  return repo.prune(new Date(now.getTime() - retainDays * DAY).toISOString(), keepAfter);
}

/**
 * Runs pruneOnce now and then every `everyMs`; returns a function that stops it. `endpoints` is asked at each
 * run: how far the delivery worker has searched changes while the server runs (a list taken once at start had
 * no search positions, and an endpoint for a rare type held every later event back again).
 */
export function startRetention(repo: Repository, endpoints: () => readonly Subscription[], retainDays: number, logger: Logger, everyMs = 3_600_000): () => void {
  const run = () =>
    pruneOnce(repo, endpoints(), retainDays)
      .then((r) => {
        if (r.events || r.failures) logger.info("Pruned old audit records.", { ...r, retainDays });
      })
      .catch((e: unknown) => logger.warn("Pruning old audit records failed; it will be retried.", { error: String(e) }));
  void run();
  const timer = setInterval(run, everyMs);
  return () => clearInterval(timer);
}

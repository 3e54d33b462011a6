// Events leave the process only once durable: a reader may see a commit whose fdatasync is still running,
// but the webhook worker and the change feed stop at durableSeq, the last event an fsync has covered. Lost in
// a power cut after being sent, an event's seq would be given to the next event, which receivers would drop
// as a duplicate of the one they had (webhook-id evt_<seq>).
import { afterEach, describe, expect, test } from "bun:test";
import { endpointsOf, WebhookWorker } from "../../src/events/webhooks.ts";
import { createLogger, silentLogger } from "../../src/log/logger.ts";
import { repoWithSync } from "../support/repo-with-sync.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A repository on a fresh file whose fsyncs the test completes by hand. */
function repoWithManualSync() {
  // fsyncs complete at once until `hold` is set; then they wait for completeSyncs().
  const pending: (() => void)[] = [];
  const state = { hold: false };
  const opened = repoWithSync(() => (state.hold ? new Promise<void>((resolve) => pending.push(resolve)) : Promise.resolve()));
  cleanups.push(() => opened.close());
  const repo = opened.repo;
  const completeSyncs = () => {
    state.hold = false;
    for (const done of pending.splice(0)) done();
  };
  const appendEvent = (name: string) => repo.write((tx) => tx.appendEvent({ type: "user.created", time: new Date().toISOString(), resourceType: "User", resourceId: name, name }));
  const holdSyncs = () => (state.hold = true);
  return { repo, completeSyncs, holdSyncs, appendEvent, pending };
}

const until = async (cond: () => boolean | Promise<boolean>, ms = 2000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(5);
  }
};

describe("durableSeq", () => {
  test("a committed event whose fsync is in flight is visible to reads but not durable; it is once the fsync completes", async () => {
    const { repo, completeSyncs, holdSyncs, appendEvent, pending } = repoWithManualSync();
    await appendEvent("before");
    holdSyncs();
    const first = appendEvent("a");
    await until(() => pending.length === 1);
    const seq = await repo.lastSeq();
    expect(seq).toBeGreaterThan(0); // committed and readable
    expect(await repo.durableSeq()).toBe(seq - 1);
    completeSyncs();
    await first;
    expect(await repo.durableSeq()).toBe(seq);
  });

  test("the webhook worker does not deliver an event before the fsync that covers it completes", async () => {
    const { repo, completeSyncs, holdSyncs, appendEvent, pending } = repoWithManualSync();
    const received: { name: string; syncsPending: number }[] = [];
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(r) {
        received.push({ name: ((await r.json()) as { data: { name: string } }).data.name, syncsPending: pending.length });
        return new Response("ok");
      },
    });
    cleanups.push(() => server.stop(true));
    const endpoints = endpointsOf([
      { name: "w", url: `http://127.0.0.1:${server.port}/hook`, secret: `whsec_${btoa("0123456789abcdef0123456789abcdef")}`, events: ["*"], retry_base: "1s", retry_max: "1m", max_age: "1h", timeout: "5s" },
    ] as never);
    const worker = new WebhookWorker({ repo, endpoints, logger: silentLogger, pollMs: 10 });
    worker.start();
    cleanups.push(() => void worker.stop());
    await Bun.sleep(50); // the worker has its position at the end of the (empty) log
    holdSyncs();
    const write = appendEvent("alice");
    await until(() => pending.length === 1);
    await Bun.sleep(150); // fifteen polls while the fsync is in flight
    expect(received).toEqual([]);
    completeSyncs();
    await write;
    await until(() => received.length === 1);
    expect(received).toEqual([{ name: "alice", syncsPending: 0 }]);
  });

  test("once an fsync has failed, the worker stops delivering, says so once, and never sends an event twice", async () => {
    const state = { fail: false };
    const opened = repoWithSync(async () => {
      if (state.fail) throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    });
    cleanups.push(() => opened.close());
    const repo = opened.repo;
    const ids: string[] = [];
    // A receiver that takes 100 ms: the writes stop while the worker has deliveries it has not saved.
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (r) => (ids.push(r.headers.get("webhook-id")!), await Bun.sleep(100), new Response("ok")) });
    cleanups.push(() => server.stop(true));
    const lines: string[] = [];
    const logger = createLogger({ level: "warn", write: (l) => lines.push(l) });
    const endpoints = endpointsOf([
      { name: "w", url: `http://127.0.0.1:${server.port}/hook`, secret: `whsec_${btoa("0123456789abcdef0123456789abcdef")}`, events: ["*"], retry_base: "1s", retry_max: "1m", max_age: "1h", timeout: "5s" },
    ] as never);
    const worker = new WebhookWorker({ repo, endpoints, logger, pollMs: 10 });
    worker.start();
    cleanups.push(() => void worker.stop());
    await Bun.sleep(50);
    for (let i = 0; i < 5; i++) await repo.write((tx) => tx.appendEvent({ type: "user.created", time: new Date().toISOString(), name: `u${i}` }));
    await until(() => ids.length === 2);
    state.fail = true;
    await repo.write((tx) => tx.appendEvent({ type: "user.created", time: new Date().toISOString(), name: "lost" })).catch(() => undefined);
    expect(repo.writesStopped).toBe(true);
    // The worker's next save is refused: it stops. Read back from its saved position, it sent the same events
    // again every two seconds until a restart.
    await Bun.sleep(2_500);
    expect(new Set(ids).size).toBe(ids.length);
    expect(lines.filter((l) => l.includes("Webhook delivery stopped"))).toHaveLength(1);
    expect(lines.filter((l) => l.includes("Webhook delivery loop failed")).length).toBeLessThanOrEqual(1);
  }, 10_000);
});

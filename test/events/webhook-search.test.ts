// The delivery worker's search for an endpoint's next event reads a bounded slice of the log per turn and
// remembers what it searched: an endpoint for a rare type no longer reads every event after its position at
// every poll (0.8 s of blocked event loop at a million events), and still receives its event when one comes.
import { afterEach, describe, expect, test } from "bun:test";
import type { EventQuery, Repository } from "../../src/core/repository.ts";
import { endpointsOf, WebhookWorker } from "../../src/events/webhooks.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { createTestApp, type TestApp } from "../support/app.ts";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("searching the log for a rare event type", () => {
  test("12,000 events of other types are searched in slices of at most 5,000 rows; the rare event is then delivered", async () => {
    const t: TestApp = await createTestApp();
    cleanups.push(() => t.close());
    const received: { id: string | null; body: { type: string; data: { seq: number } } }[] = [];
    const receiver = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (req) => {
        received.push({ id: req.headers.get("webhook-id"), body: (await req.json()) as (typeof received)[number]["body"] });
        return new Response(null, { status: 204 });
      },
    });
    cleanups.push(() => receiver.stop(true));

    const repo = t.storage.repo;
    await repo.webhookCursor("rare");
    const time = new Date().toISOString();
    await repo.write(async (tx) => {
      for (let i = 0; i < 12_000; i++) await tx.appendEvent({ type: "user.updated", time, name: `u${i}` });
    });
    const last = await repo.lastSeq();

    // The repository as the worker sees it, recording each search's slice.
    const slices: { after: number; through: number | undefined }[] = [];
    const recording = new Proxy(repo, {
      get(target, key, receiverObj) {
        if (key === "events")
          return (q: EventQuery) => {
            slices.push({ after: q.after ?? 0, through: q.through });
            return target.events(q);
          };
        const v = Reflect.get(target, key, receiverObj);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as Repository;
    const [endpoint] = endpointsOf([{ name: "rare", url: `http://127.0.0.1:${receiver.port}/hook`, secret: `whsec_${btoa("k".repeat(32))}`, events: ["group.created"], retry_base: "1s", retry_max: "1m", max_age: "1h", timeout: "2s" }]);
    const worker = new WebhookWorker({ repo: recording, endpoints: [endpoint!], logger: silentLogger, pollMs: 10 });
    worker.start();
    cleanups.push(() => worker.stop());

    const deadline = Date.now() + 10_000;
    while ((worker.subscriptions()[0]!.searchedThrough ?? 0) < last && Date.now() < deadline) await Bun.sleep(5);
    expect(worker.subscriptions()).toEqual([{ name: "rare", searchedThrough: last }]);
    expect(slices.length).toBeGreaterThanOrEqual(3);
    for (const s of slices) expect(s.through! - s.after).toBeLessThanOrEqual(5_000);
    // Once searched, a poll reads nothing old again: later slices start where the search stands.
    const before = slices.length;
    await Bun.sleep(60);
    for (const s of slices.slice(before)) expect(s.after).toBeGreaterThanOrEqual(last);
    expect(await worker.pending()).toEqual({ rare: 0 });

    const groupSeq = await repo.write((tx) => tx.appendEvent({ type: "group.created", time: new Date().toISOString(), name: "Staff" }));
    while (received.length === 0 && Date.now() < deadline) await Bun.sleep(5);
    expect(received.map((r) => [r.id, r.body.type, r.body.data.seq])).toEqual([[`evt_${groupSeq}`, "group.created", groupSeq]]);
    while ((await repo.webhookCursor("rare")).lastSeq !== groupSeq && Date.now() < deadline) await Bun.sleep(5);
    expect((await repo.webhookCursor("rare")).lastSeq).toBe(groupSeq);
    expect(await worker.pending()).toEqual({ rare: 0 });
  });
});

describe("saving an endpoint's position", () => {
  test("120 deliveries save the position a few times, not 120 (a commit and fsync each); once idle the last one is saved", async () => {
    const t: TestApp = await createTestApp();
    cleanups.push(() => t.close());
    let received = 0;
    const receiver = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (received++, new Response(null, { status: 204 })) });
    cleanups.push(() => receiver.stop(true));
    const repo = t.storage.repo;
    await repo.webhookCursor("all");
    let saves = 0;
    const counting = new Proxy(repo, {
      get(target, key, receiverObj) {
        if (key === "saveWebhookCursor") return (c: Parameters<Repository["saveWebhookCursor"]>[0]) => (saves++, target.saveWebhookCursor(c));
        const v = Reflect.get(target, key, receiverObj);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as Repository;
    const time = new Date().toISOString();
    await repo.write(async (tx) => {
      for (let i = 0; i < 120; i++) await tx.appendEvent({ type: "user.updated", time, name: `u${i}` });
    });
    const last = await repo.lastSeq();
    const [endpoint] = endpointsOf([{ name: "all", url: `http://127.0.0.1:${receiver.port}/hook`, secret: `whsec_${btoa("k".repeat(32))}`, events: ["*"], retry_base: "1s", retry_max: "1m", max_age: "1h", timeout: "2s" }]);
    const worker = new WebhookWorker({ repo: counting, endpoints: [endpoint!], logger: silentLogger, pollMs: 10 });
    worker.start();
    const deadline = Date.now() + 10_000;
    // Until the position is saved as idle after the last delivery (stopping as the 120th request arrives
    // would abort that delivery, rightly left to be sent again).
    while ((received < 120 || (await repo.webhookCursor("all")).lastSeq < last) && Date.now() < deadline) await Bun.sleep(5);
    await worker.stop();
    expect(received).toBe(120);
    expect(saves).toBeLessThan(20);
    expect((await repo.webhookCursor("all")).lastSeq).toBe(last);
  });
});

// A receiver that stays down past max_age: each event it fails is parked, and the next attempt still waits
// the endpoint's backoff. The cursor used to be reset at each park, so such a receiver got one request per
// event as fast as they could be sent (hundreds a second, each parked with a write and an error line), and a
// whole outage's events were parked instead of waiting for the receiver to come back.
import { afterEach, expect, test } from "bun:test";
import { endpointsOf, WebhookWorker } from "../../src/events/webhooks.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { createTestApp } from "../support/app.ts";

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

test("past max_age a failing receiver gets at most one request per backoff, and the events after its recovery are delivered, not parked", async () => {
  const t = await createTestApp();
  cleanups.push(() => t.close());
  const state = { up: false, requests: 0, delivered: [] as number[] };
  const receiver = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (req) => {
      state.requests++;
      const seq = ((await req.json()) as { data: { seq: number } }).data.seq;
      if (!state.up) return new Response(null, { status: 503 });
      state.delivered.push(seq);
      return new Response(null, { status: 204 });
    },
  });
  cleanups.push(() => receiver.stop(true));
  const repo = t.storage.repo;
  await repo.webhookCursor("down");
  const time = new Date().toISOString();
  await repo.write(async (tx) => {
    for (let i = 0; i < 40; i++) await tx.appendEvent({ type: "user.updated", time, name: `u${i}` });
  });
  const [endpoint] = endpointsOf([
    { name: "down", url: `http://127.0.0.1:${receiver.port}/hook`, secret: `whsec_${btoa("k".repeat(32))}`, events: ["*"], retry_base: "100ms", retry_max: "200ms", max_age: "1h", timeout: "2s" },
  ]);
  // Two hours on: every event is past max_age.
  const worker = new WebhookWorker({ repo, endpoints: [endpoint!], logger: silentLogger, pollMs: 10, clock: () => new Date(Date.now() + 7_200_000) });
  worker.start();
  cleanups.push(() => worker.stop());

  await Bun.sleep(1_000);
  // Delays of 80-120 ms, then 160-200 ms: about six attempts in a second, not forty.
  const duringOutage = state.requests;
  expect(duringOutage).toBeGreaterThanOrEqual(2);
  expect(duringOutage).toBeLessThanOrEqual(12);
  const parked = await repo.deadLetters("down");
  expect(parked.length).toBe(duringOutage);

  state.up = true;
  const deadline = Date.now() + 5_000;
  while (state.delivered.length < 40 - parked.length && Date.now() < deadline) await Bun.sleep(10);
  // Every event not parked during the outage reaches the receiver once it is back, in order.
  const parkedSeqs = new Set(parked.map((d) => d.seq));
  const all = (await repo.events({ limit: 100, types: ["user.updated"] })).map((e) => e.seq);
  expect(state.delivered).toEqual(all.filter((s) => !parkedSeqs.has(s)));
  expect((await repo.deadLetters("down")).length).toBe(parked.length);
});

// [audit] retain_days: pruneOnce removes old events and failed-request records, but keeps events a webhook
// endpoint has not delivered yet (above its cursor) and events parked as dead.
import { afterEach, describe, expect, test } from "bun:test";
import type { Repository } from "../../src/core/repository.ts";
import { pruneOnce, startRetention } from "../../src/events/retention.ts";
import { silentLogger } from "../../src/log/logger.ts";
import { createTestApp, type TestApp } from "../support/app.ts";
import { allEvents as everyEvent, user } from "./helpers.ts";

const DAY = 86_400_000;
const apps: TestApp[] = [];
afterEach(() => {
  for (const t of apps.splice(0)) t.close();
});

async function app(): Promise<TestApp> {
  const t = await createTestApp();
  apps.push(t);
  return t;
}

async function seedUsers(t: TestApp, n: number, prefix = "ret"): Promise<void> {
  for (let i = 0; i < n; i++) expect((await t.json("POST", "/scim/Users", user(`${prefix}${i}@example.com`))).status).toBe(201);
}

async function failureCount(repo: Repository): Promise<number> {
  return (await repo.failures({ limit: 100_000 })).length;
}

async function recordFailures(repo: Repository, time: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await repo.recordFailure({ time, method: "GET", path: `/scim/Users/x${i}`, status: 404, detail: "not found" });
}

// Token events are kept for good (below); the app's own test token has one. The rest is what retention prunes.
const allEvents = async (t: TestApp) => (await everyEvent(t)).filter((e) => !e.type.startsWith("token."));
const seqsOf = async (t: TestApp) => (await allEvents(t)).map((e) => e.seq);

describe("pruneOnce", () => {
  test("token events are kept for good: a restore tells a token revoked before revoked_tokens existed by them", async () => {
    const t = await app();
    await t.storage.tokens.create("leaked", "f".repeat(64), "scim", new Date().toISOString(), null);
    await t.storage.tokens.revoke("leaked");
    await seedUsers(t, 2);
    const tokens = (await everyEvent(t)).filter((e) => e.type.startsWith("token."));
    expect(tokens.map((e) => e.type)).toEqual(["token.created", "token.created", "token.revoked"]);
    await pruneOnce(t.storage.repo, [], 30, new Date(Date.now() + 31 * DAY));
    expect(await everyEvent(t)).toEqual(tokens);
  });

  test("nothing is pruned while everything is younger than retain_days", async () => {
    const t = await app();
    await seedUsers(t, 3);
    await recordFailures(t.storage.repo, new Date().toISOString(), 2);
    const before = await seqsOf(t);
    const r = await pruneOnce(t.storage.repo, [], 90, new Date(Date.now() + 89 * DAY));
    expect(r).toEqual({ events: 0, failures: 0 });
    expect(await seqsOf(t)).toEqual(before);
    expect(await failureCount(t.storage.repo)).toBe(2);
  });

  test("without webhooks, every event and failure older than retain_days goes; the counts are returned", async () => {
    const t = await app();
    await seedUsers(t, 4);
    await recordFailures(t.storage.repo, new Date().toISOString(), 3);
    const n = (await allEvents(t)).length;
    const r = await pruneOnce(t.storage.repo, [], 30, new Date(Date.now() + 31 * DAY));
    expect(r).toEqual({ events: n, failures: 3 });
    expect(await allEvents(t)).toEqual([]);
    expect(await failureCount(t.storage.repo)).toBe(0);
  });

  test("only rows older than the cut-off go: old ones are pruned, recent ones kept", async () => {
    const t = await app();
    const repo = t.storage.repo;
    const now = Date.now();
    const old = new Date(now - 100 * DAY).toISOString();
    const recent = new Date(now - 10 * DAY).toISOString();
    const oldSeq = await repo.write((tx) => tx.appendEvent({ type: "test.old", time: old, name: "old" }));
    const recentSeq = await repo.write((tx) => tx.appendEvent({ type: "test.recent", time: recent, name: "recent" }));
    await recordFailures(repo, old, 2);
    await recordFailures(repo, recent, 1);
    const r = await pruneOnce(repo, [], 90, new Date(now));
    expect(r.failures).toBe(2);
    const left = await allEvents(t);
    expect(left.map((e) => e.seq)).toContain(recentSeq);
    expect(left.map((e) => e.seq)).not.toContain(oldSeq);
    expect((await repo.failures({ limit: 100 })).map((f) => f.time)).toEqual([recent]);
  });

  test("events above an endpoint's cursor (undelivered) and dead-lettered ones are kept; the rest go", async () => {
    const t = await app();
    const repo = t.storage.repo;
    await seedUsers(t, 8);
    await recordFailures(repo, new Date().toISOString(), 2);
    const seqs = await seqsOf(t);
    expect(seqs.length).toBeGreaterThanOrEqual(8);
    const deadSeq = seqs[2]!;
    const cursorSeq = seqs[5]!;
    await repo.webhookCursor("app");
    await repo.parkDead(
      { endpoint: "app", seq: deadSeq, attempts: 7, lastError: "HTTP 503", parkedAt: new Date().toISOString() },
      { endpoint: "app", lastSeq: deadSeq, attempts: 7, nextAttemptAt: null, lastError: "HTTP 503" },
    );
    await repo.saveWebhookCursor({ endpoint: "app", lastSeq: cursorSeq, attempts: 0, nextAttemptAt: null, lastError: null });

    const r = await pruneOnce(repo, [{ name: "app" }], 1, new Date(Date.now() + 2 * DAY));
    const expected = seqs.filter((s) => s > cursorSeq || s === deadSeq);
    expect(await seqsOf(t)).toEqual(expected);
    expect(r).toEqual({ events: seqs.length - expected.length, failures: 2 });
    expect(await failureCount(repo)).toBe(0);
    // The cursor and the dead letter are untouched.
    expect((await repo.webhookCursor("app")).lastSeq).toBe(cursorSeq);
    expect((await repo.deadLetters("app")).map((d) => d.seq)).toEqual([deadSeq]);
    // The parked event can still be read for `scimd webhooks retry`.
    expect((await repo.event(deadSeq))?.seq).toBe(deadSeq);
  });

  test("with several endpoints the slowest cursor wins", async () => {
    const t = await app();
    const repo = t.storage.repo;
    await seedUsers(t, 6);
    const seqs = await seqsOf(t);
    await repo.saveWebhookCursor({ endpoint: "fast", lastSeq: seqs.at(-1)!, attempts: 0, nextAttemptAt: null, lastError: null });
    await repo.saveWebhookCursor({ endpoint: "slow", lastSeq: seqs[1]!, attempts: 3, nextAttemptAt: new Date().toISOString(), lastError: "HTTP 500" });
    await pruneOnce(repo, [{ name: "fast" }, { name: "slow" }], 1, new Date(Date.now() + 5 * DAY));
    expect(await seqsOf(t)).toEqual(seqs.slice(2));
  });

  test("once a dead letter is removed (re-sent), the old event can be pruned", async () => {
    const t = await app();
    const repo = t.storage.repo;
    await seedUsers(t, 3);
    const seqs = await seqsOf(t);
    const dead = seqs[1]!;
    await repo.webhookCursor("app");
    await repo.parkDead({ endpoint: "app", seq: dead, attempts: 1, lastError: "x", parkedAt: new Date().toISOString() }, { endpoint: "app", lastSeq: dead, attempts: 1, nextAttemptAt: null, lastError: "x" });
    await repo.saveWebhookCursor({ endpoint: "app", lastSeq: seqs.at(-1)!, attempts: 0, nextAttemptAt: null, lastError: null });
    await pruneOnce(repo, [{ name: "app" }], 1, new Date(Date.now() + 2 * DAY));
    expect(await seqsOf(t)).toEqual([dead]);
    await repo.removeDeadLetter("app", dead);
    await pruneOnce(repo, [{ name: "app" }], 1, new Date(Date.now() + 2 * DAY));
    expect(await seqsOf(t)).toEqual([]);
  });

  test("an endpoint holds back from its position, or from where the search for its next event has reached", async () => {
    const t = await app();
    const repo = t.storage.repo;
    await repo.webhookCursor("groups-only");
    const at = (await repo.webhookCursor("groups-only")).lastSeq;
    await seedUsers(t, 5);
    const seqs = await seqsOf(t);
    // Searched through the third event without finding one of its types: those may go, the rest are kept.
    await pruneOnce(repo, [{ name: "groups-only", searchedThrough: seqs[2]! }], 1, new Date(Date.now() + 2 * DAY));
    expect(await seqsOf(t)).toEqual(seqs.slice(3));
    // Not searched yet: its position holds everything after it.
    await pruneOnce(repo, [{ name: "groups-only" }], 1, new Date(Date.now() + 2 * DAY));
    expect(await seqsOf(t)).toEqual(seqs.slice(3));
    expect((await repo.webhookCursor("groups-only")).lastSeq).toBe(at); // its position is not moved
    // A search position behind the delivered position changes nothing.
    await repo.saveWebhookCursor({ endpoint: "groups-only", lastSeq: seqs[3]!, attempts: 0, nextAttemptAt: null, lastError: null });
    await pruneOnce(repo, [{ name: "groups-only", searchedThrough: seqs[1]! }], 1, new Date(Date.now() + 2 * DAY));
    expect(await seqsOf(t)).toEqual(seqs.slice(4));
  });

  test("a prune larger than one transaction (2,000 rows) removes all of it, and other writes run between its transactions", async () => {
    const t = await app();
    const repo = t.storage.repo;
    const old = new Date(Date.now() - 100 * DAY).toISOString();
    await repo.write(async (tx) => {
      for (let i = 0; i < 4_500; i++) await tx.appendEvent({ type: "test.old", time: old, name: `e${i}` });
    });
    await recordFailures(repo, old, 2_100);
    const oldLeft = async () => (await allEvents(t)).filter((e) => e.type === "test.old").length;
    let done = false;
    const pruning = pruneOnce(repo, [], 90).then((r) => ((done = true), r));
    // Once the first of its transactions has committed, a write is queued: it is written between two of them,
    // while old events are still there, not after all of them.
    while ((await oldLeft()) === 4_500 && !done) await Bun.sleep(0);
    let wroteAt = -1;
    const writing = repo.write((tx) => tx.appendEvent({ type: "test.new", time: new Date().toISOString(), name: "new" })).then(async () => {
      wroteAt = await oldLeft();
    });
    expect(await pruning).toEqual({ events: 4_500, failures: 2_100 });
    await writing;
    expect(wroteAt).toBeGreaterThan(0);
    expect((await allEvents(t)).map((e) => e.type).filter((type) => type.startsWith("test."))).toEqual(["test.new"]);
    expect(await failureCount(repo)).toBe(0);
  });

  test("startRetention asks for the endpoints' search positions at each run, not once at start", async () => {
    const t = await app();
    const repo = t.storage.repo;
    await repo.webhookCursor("rare");
    const old = new Date(Date.now() - 100 * DAY).toISOString();
    await repo.write(async (tx) => {
      for (let i = 0; i < 20; i++) await tx.appendEvent({ type: "test.old", time: old, name: `e${i}` });
    });
    const last = await repo.lastSeq();
    let searchedThrough: number | undefined;
    const stop = startRetention(repo, () => [{ name: "rare", searchedThrough }], 90, silentLogger, 20);
    try {
      await Bun.sleep(80);
      expect((await allEvents(t)).filter((e) => e.type === "test.old")).toHaveLength(20); // held back by its position
      searchedThrough = last; // the worker has since searched them all
      const deadline = Date.now() + 5_000;
      while ((await allEvents(t)).some((e) => e.type === "test.old") && Date.now() < deadline) await Bun.sleep(10);
      expect((await allEvents(t)).filter((e) => e.type === "test.old")).toEqual([]);
    } finally {
      stop();
    }
  });

  test("pruning never lowers seq: the next event gets a higher number than every pruned one", async () => {
    const t = await app();
    await seedUsers(t, 3);
    const maxBefore = Math.max(...(await seqsOf(t)));
    await pruneOnce(t.storage.repo, [], 1, new Date(Date.now() + 2 * DAY));
    expect(await seqsOf(t)).toEqual([]);
    await seedUsers(t, 1, "after");
    const [e] = await allEvents(t);
    expect(e!.type).toBe("user.created");
    expect(e!.seq).toBeGreaterThan(maxBefore);
  });
});

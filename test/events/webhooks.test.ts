// Webhook delivery end to end, with the compiled binary and a receiver that verifies Standard Webhooks
// signatures: in order, at least once, retried with backoff, never slowing SCIM, surviving a SIGKILL,
// parked dead after max_age and re-sent by `scimd webhooks retry`.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { backoff, deliver, endpointsOf } from "../../src/events/webhooks.ts";
import { BINARY, ensureBinary, startServer, type RunningServer } from "../support/binary.ts";
import { group, patchOp, user, waitFor } from "./helpers.ts";
import { newSecret, Receiver } from "./receiver.ts";

const servers: RunningServer[] = [];
const receivers: Receiver[] = [];
const dirs: string[] = [];

beforeAll(() => {
  ensureBinary();
}, 120_000);

afterEach(() => {
  for (const r of receivers.splice(0)) {
    r.release(503);
    r.stop();
  }
  for (const s of servers.splice(0)) s.cleanup();
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Hook {
  name: string;
  path: string;
  events?: string[];
  retry_base?: string;
  retry_max?: string;
  max_age?: string;
  timeout?: string;
}

function webhooksToml(r: Receiver, secrets: Record<string, string>, hooks: Hook[]): string {
  return hooks
    .map((h) =>
      [
        "[[webhooks]]",
        `name = "${h.name}"`,
        `url = "${r.url(h.path)}"`,
        `secret = "${secrets[h.path]}"`,
        `events = ${JSON.stringify(h.events ?? ["*"])}`,
        `retry_base = "${h.retry_base ?? "100ms"}"`,
        `retry_max = "${h.retry_max ?? "400ms"}"`,
        `max_age = "${h.max_age ?? "1h"}"`,
        `timeout = "${h.timeout ?? "2s"}"`,
      ].join("\n"),
    )
    .join("\n\n");
}

async function setup(hooks: Hook[], opts: { dir?: string } = {}) {
  const secrets = Object.fromEntries(hooks.map((h) => [h.path, newSecret()]));
  const receiver = new Receiver(secrets).start();
  receivers.push(receiver);
  const toml = webhooksToml(receiver, secrets, hooks);
  const server = await startServer(toml, opts);
  servers.push(server);
  return { receiver, server, toml, secrets };
}

async function scim(s: RunningServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.token}`, ...(body !== undefined ? { "content-type": "application/scim+json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function createUser(s: RunningServer, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await scim(s, "POST", "/Users", user(userName, extra));
  expect(r.status).toBe(201);
  return r.body.id;
}

/**
 * Runs a CLI command of the binary without blocking this process (spawnSync would also freeze the
 * receiver, which runs in this process, and so turn every delivery made meanwhile into a timeout).
 */
async function cli(s: RunningServer, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const p = Bun.spawn([BINARY, ...args, "--config", s.configPath], { cwd: s.dir, env: { PATH: process.env.PATH ?? "" }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, status] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { status, stdout, stderr };
}

interface StatusRow {
  name: string;
  url: string;
  deliveredThrough: number;
  pending: number;
  dead: number;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

async function status(s: RunningServer): Promise<StatusRow[]> {
  const r = await cli(s, ["webhooks", "status", "--json"]);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as StatusRow[];
}

const statusOf = async (s: RunningServer, name: string) => (await status(s)).find((r) => r.name === name)!;

/** The events after `since`, as `scimd events --json` prints them (the same shape as webhook payload data). */
async function eventsSince(s: RunningServer, since: number): Promise<any[]> {
  const r = await cli(s, ["events", "--json", "--since", String(since)]);
  expect(r.status).toBe(0);
  return r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

function expectNonDecreasing(seqs: number[]) {
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThanOrEqual(seqs[i - 1]!);
}

async function waitDelivered(r: Receiver, path: string, seqs: number[], ms = 15_000): Promise<void> {
  await waitFor(() => seqs.every((q) => r.uniqueSeqs(path).includes(q)), ms, `delivery of seqs ${seqs.join(",")} to ${path} (got ${r.uniqueSeqs(path).join(",")})`);
}

describe("delivery", () => {
  test("every event arrives, signed, in sequence order, with the public event JSON; each endpoint gets only its subscribed types", async () => {
    const { receiver, server } = await setup([
      { name: "all", path: "/all" },
      { name: "groups", path: "/groups", events: ["group.*"] },
    ]);
    const base = (await statusOf(server, "all")).deliveredThrough;
    expect((await statusOf(server, "groups")).deliveredThrough).toBe(base);

    const a = await createUser(server, "wa@example.com", { title: "Engineer" });
    const b = await createUser(server, "wb@example.com");
    const c = await createUser(server, "wc@example.com");
    const g = await scim(server, "POST", "/Groups", group("Hooks", { members: [{ value: a }, { value: b }] }));
    expect(g.status).toBe(201);
    expect((await scim(server, "PATCH", `/Users/${a}`, patchOp({ op: "replace", path: "title", value: "Manager" }))).status).toBe(200);
    expect((await scim(server, "PATCH", `/Users/${b}`, patchOp({ op: "replace", path: "active", value: "False" }))).status).toBe(200);
    expect((await scim(server, "PATCH", `/Groups/${g.body.id}`, patchOp({ op: "replace", path: "displayName", value: "Hooks2" }))).status).toBeLessThan(300);
    expect((await scim(server, "DELETE", `/Users/${c}`)).status).toBe(204);
    expect((await scim(server, "DELETE", `/Groups/${g.body.id}`)).status).toBe(204);
    // A change made by another process (the CLI) is delivered too.
    expect((await cli(server, ["token", "create", "--name", "hook-admin", "--scope", "admin"])).status).toBe(0);

    const expected = await eventsSince(server, base);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    const seqs = expected.map((e) => e.seq);
    const groupSeqs = expected.filter((e) => e.type.startsWith("group.")).map((e) => e.seq);
    await waitDelivered(receiver, "/all", seqs);
    await waitDelivered(receiver, "/groups", groupSeqs);
    await Bun.sleep(300);

    expect(receiver.invalid).toEqual([]);
    // In order, nothing missing, nothing extra.
    expectNonDecreasing(receiver.deliveredTo("/all").map((d) => d.seq));
    expect(receiver.uniqueSeqs("/all")).toEqual(seqs);
    // Without a crash, no duplicates.
    expect(receiver.deliveredTo("/all")).toHaveLength(seqs.length);
    expectNonDecreasing(receiver.deliveredTo("/groups").map((d) => d.seq));
    expect(receiver.uniqueSeqs("/groups")).toEqual(groupSeqs);

    // Payload: Standard Webhooks envelope with the event as data; webhook-id stable per event.
    const byId = new Map(expected.map((e) => [e.seq, e]));
    for (const d of receiver.deliveredTo("/all")) {
      const e = byId.get(d.seq)!;
      expect(d.id).toBe(`evt_${e.seq}`);
      expect(d.body.type).toBe(e.type);
      expect(d.body.data).toEqual(e);
      expect(d.headers["webhook-timestamp"]).toMatch(/^\d+$/);
      expect(d.headers["webhook-signature"]).toMatch(/^v1,/);
    }
    const updated = receiver.deliveredTo("/all").find((d) => d.body.type === "user.updated")!;
    expect(updated.body.data.data).toEqual({ changes: { profession: { before: "Engineer", after: "Manager" } } });
    expect(receiver.deliveredTo("/all").some((d) => d.body.type === "user.deactivated")).toBe(true);
    expect(receiver.deliveredTo("/all").some((d) => d.body.type === "token.created" && d.body.data.name === "hook-admin")).toBe(true);

    const st = await status(server);
    expect(st.find((r) => r.name === "all")).toMatchObject({ deliveredThrough: seqs.at(-1), pending: 0, dead: 0, attempts: 0, lastError: null });
    expect(st.find((r) => r.name === "groups")).toMatchObject({ deliveredThrough: groupSeqs.at(-1), pending: 0, dead: 0 });
  });

  test("a signature made with another secret does not verify (the receiver really checks)", async () => {
    const [ep] = endpointsOf([{ name: "x", url: "http://127.0.0.1:1/", secret: newSecret(), events: ["*"], retry_base: "1s", retry_max: "1s", max_age: "1h", timeout: "1s" }]);
    const payload = JSON.stringify({ type: "user.created", data: { seq: 1 } });
    const now = new Date();
    const headers = { "webhook-id": "evt_1", "webhook-timestamp": String(Math.floor(now.getTime() / 1000)), "webhook-signature": ep!.signer.sign("evt_1", now, payload) };
    expect(() => new Webhook(newSecret()).verify(payload, headers)).toThrow();
    expect(() => new Webhook(newSecret()).verify(payload + " ", headers)).toThrow();
  });
});

describe("failures and retries", () => {
  test("receiver answering 503 then stopped, then back: retried with backoff, then everything redelivered in order, nothing lost", async () => {
    const { receiver, server } = await setup([{ name: "flaky", path: "/hook", retry_base: "100ms", retry_max: "400ms" }]);
    const base = (await statusOf(server, "flaky")).deliveredThrough;
    receiver.mode = "fail";
    for (let i = 0; i < 3; i++) await createUser(server, `flaky${i}@example.com`);
    const firstSeq = (await eventsSince(server, base))[0].seq;
    await waitFor(() => receiver.requests.length >= 3, 5000, "three failed attempts");
    await Bun.sleep(1200);

    // Retried, but with backoff: a handful of attempts, all for the first event (order is kept), not a hot loop.
    const attempts = receiver.requests.filter((d) => d.status === 503);
    expect(attempts.length).toBeGreaterThanOrEqual(3);
    expect(attempts.length).toBeLessThanOrEqual(25);
    expect(new Set(attempts.map((d) => d.seq))).toEqual(new Set([firstSeq]));
    expect(receiver.delivered).toEqual([]);
    const during = await statusOf(server, "flaky");
    expect(during.deliveredThrough).toBe(base);
    expect(during.pending).toBe(3);
    expect(during.attempts).toBeGreaterThan(0);
    expect(during.lastError).toContain("503");
    expect(during.dead).toBe(0);

    // Now the receiver is gone altogether (connection refused) while more changes happen.
    receiver.stop();
    for (let i = 3; i < 5; i++) await createUser(server, `flaky${i}@example.com`);
    await Bun.sleep(700);
    receiver.mode = "ok";
    receiver.start();

    const expected = (await eventsSince(server, base)).map((e) => e.seq);
    expect(expected).toHaveLength(5);
    await waitDelivered(receiver, "/hook", expected);
    expect(receiver.invalid).toEqual([]);
    expectNonDecreasing(receiver.deliveredTo("/hook").map((d) => d.seq));
    expect(receiver.uniqueSeqs("/hook")).toEqual(expected);
    expect(receiver.deliveredTo("/hook")).toHaveLength(expected.length);
    expect(await statusOf(server, "flaky")).toMatchObject({ deliveredThrough: expected.at(-1), pending: 0, dead: 0, attempts: 0, lastError: null });
  });

  test("one failing endpoint does not hold back another: each endpoint has its own position", async () => {
    const { receiver, server } = await setup([
      { name: "good", path: "/good" },
      { name: "bad", path: "/bad", retry_base: "100ms", retry_max: "200ms" },
    ]);
    const base = (await statusOf(server, "good")).deliveredThrough;
    receiver.pathModes["/bad"] = "fail";
    for (let i = 0; i < 4; i++) await createUser(server, `two${i}@example.com`);
    const expected = (await eventsSince(server, base)).map((e) => e.seq);
    await waitDelivered(receiver, "/good", expected);
    expect(receiver.uniqueSeqs("/good")).toEqual(expected);
    expect(receiver.deliveredTo("/bad")).toEqual([]);
    const bad = await statusOf(server, "bad");
    expect(bad).toMatchObject({ deliveredThrough: base, pending: 4, dead: 0 });
    expect(bad.lastError).toContain("503");
    expect(await statusOf(server, "good")).toMatchObject({ deliveredThrough: expected.at(-1), pending: 0 });
    delete receiver.pathModes["/bad"];
    await waitDelivered(receiver, "/bad", expected);
    expect(receiver.uniqueSeqs("/bad")).toEqual(expected);
  });

  test("two [[webhooks]] entries with the same name: refused by the configuration, or each still receives every event", async () => {
    const secrets = { "/x": newSecret(), "/y": newSecret() };
    const receiver = new Receiver(secrets).start();
    receivers.push(receiver);
    const toml = webhooksToml(receiver, secrets, [
      { name: "same", path: "/x" },
      { name: "same", path: "/y" },
    ]);
    let server: RunningServer;
    try {
      server = await startServer(toml);
    } catch (e) {
      // Refusing the configuration (a clear error at start) is a correct answer.
      expect(String(e)).toMatch(/same|duplicate|name/i);
      return;
    }
    servers.push(server);
    const base = (await statusOf(server, "same")).deliveredThrough;
    // /y is down for a moment while /x takes everything.
    receiver.pathModes["/y"] = "fail";
    for (let i = 0; i < 6; i++) await createUser(server, `same${i}@example.com`);
    const expected = (await eventsSince(server, base)).map((e) => e.seq);
    await Bun.sleep(1000);
    delete receiver.pathModes["/y"];
    // Each endpoint must get all six: a shared delivery position would make each skip what the other sent.
    await waitFor(() => receiver.uniqueSeqs("/y").length >= expected.length && receiver.uniqueSeqs("/x").length >= expected.length, 5_000, "deliveries").catch(() => undefined);
    expect({ x: receiver.uniqueSeqs("/x"), y: receiver.uniqueSeqs("/y") }).toEqual({ x: expected, y: expected });
  });

  test("a receiver that never answers does not slow SCIM requests; once it answers, delivery resumes in order", async () => {
    const { receiver, server } = await setup([{ name: "hang", path: "/hang", timeout: "10s", retry_base: "100ms" }]);
    const base = (await statusOf(server, "hang")).deliveredThrough;
    receiver.mode = "hang";
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      ids.push(await createUser(server, `hang${i}@example.com`, { title: "T" }));
      expect(Date.now() - started).toBeLessThan(5000);
      if (i === 0) await waitFor(() => receiver.heldCount() > 0, 5000, "the first delivery to hang");
    }
    for (const id of ids) {
      const started = Date.now();
      const r = await scim(server, "PATCH", `/Users/${id}`, patchOp({ op: "replace", path: "title", value: "U" }));
      expect(r.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);
    }
    const started = Date.now();
    const list = await scim(server, "GET", "/Users?count=100");
    expect(list.status).toBe(200);
    expect(list.body.totalResults).toBe(5);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(receiver.heldCount()).toBe(1);
    expect(receiver.delivered).toEqual([]);

    receiver.mode = "ok";
    receiver.release(200);
    const expected = (await eventsSince(server, base)).map((e) => e.seq);
    expect(expected).toHaveLength(10);
    await waitDelivered(receiver, "/hang", expected);
    expect(receiver.uniqueSeqs("/hang")).toEqual(expected);
    expectNonDecreasing(receiver.deliveredTo("/hang").map((d) => d.seq));
    expect(receiver.invalid).toEqual([]);
  });

  test("SIGKILL mid-delivery, restart on the same database: every event delivered at least once, in order, from where it stood", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scimd-events-crash-"));
    dirs.push(dir);
    const { receiver, server, toml } = await setup([{ name: "crash", path: "/crash" }], { dir });
    const base = (await statusOf(server, "crash")).deliveredThrough;
    // The fourth event's delivery is held open (never answered): the server dies while waiting for it.
    // Sequence numbers are contiguous here (one writer, nothing else writing), so it is base + 4.
    const holding = base + 4;
    receiver.holdSeq = holding;
    for (let i = 0; i < 8; i++) await createUser(server, `crash${i}@example.com`);
    const before = (await eventsSince(server, base)).map((e) => e.seq);
    expect(before).toHaveLength(8);
    expect(before[3]).toBe(holding);
    await waitFor(() => receiver.heldCount() > 0, 10_000, "the held delivery");
    expect(receiver.uniqueSeqs("/crash")).toEqual(before.filter((s) => s < holding));
    expect(await server.stop("SIGKILL")).toBeNull();
    receiver.release(200); // the answer reaches nobody
    receiver.holdSeq = null;
    const deliveredBeforeCrash = receiver.delivered.length;

    // Restart with the same config and database (startServer writes the same [[webhooks]] block).
    const again = await startServer(toml, { dir });
    servers.push(again);
    await createUser(again, "after-crash@example.com");
    const all = (await eventsSince(again, base)).map((e) => e.seq);
    expect(all.slice(0, 8)).toEqual(before);
    await waitDelivered(receiver, "/crash", all);

    const afterRestart = receiver.deliveredTo("/crash").slice(deliveredBeforeCrash);
    // Delivery resumed at or before the event whose answer was lost: nothing skipped.
    expect(afterRestart[0]!.seq).toBeLessThanOrEqual(holding);
    expect(afterRestart.map((d) => d.seq)).toContain(holding);
    expectNonDecreasing(afterRestart.map((d) => d.seq));
    // Deduplicated by webhook-id: every event exactly once, in order.
    const unique = receiver.uniqueSeqs("/crash");
    expect(unique).toEqual(all);
    // Only the events delivered since the position was last saved (at most 50, or a second's) and the one in
    // flight at the crash may be duplicated: here the three before the held one, and it.
    const dupes = receiver.deliveredTo("/crash").length - unique.length;
    expect(dupes).toBeLessThanOrEqual(4);
    expect(receiver.invalid).toEqual([]);
    expect(await statusOf(again, "crash")).toMatchObject({ pending: 0, dead: 0 });
  });
});

describe("shutdown", () => {
  test("SIGTERM while a receiver hangs: the server stops promptly (not after the webhook timeout) and the event is delivered after restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scimd-events-stop-"));
    dirs.push(dir);
    const { receiver, server, toml } = await setup([{ name: "slow", path: "/slow", timeout: "30s" }], { dir });
    receiver.mode = "hang";
    const id = await createUser(server, "stopping@example.com");
    await waitFor(() => receiver.heldCount() > 0, 5000, "the hanging delivery");
    const started = Date.now();
    const code = await Promise.race([server.stop("SIGTERM"), Bun.sleep(6000).then(() => "still running" as const)]);
    const elapsed = Date.now() - started;
    if (code === "still running") await server.stop("SIGKILL");
    receiver.release(503);
    receiver.mode = "ok";

    // Nothing was lost by stopping mid-delivery.
    const again = await startServer(toml, { dir });
    servers.push(again);
    await waitFor(() => receiver.delivered.some((d) => d.body.data.resourceId === id), 10_000, "the delivery after restart");

    // shutdown_timeout is 10 s by default and no request is in flight: a hanging receiver must not hold the
    // process for its 30 s webhook timeout.
    expect(code).not.toBe("still running");
    expect(elapsed).toBeLessThan(5000);
  });
});

describe("dead letters", () => {
  test("past max_age an event is parked dead, shown by status; later events still flow; `webhooks retry` re-sends it once the receiver is back", async () => {
    const { receiver, server } = await setup([{ name: "dl", path: "/dl", retry_base: "100ms", retry_max: "200ms", max_age: "1s" }]);
    receiver.mode = "fail";
    const doomed = await createUser(server, "doomed@example.com");
    const row = await waitFor(async () => {
      const r = await statusOf(server, "dl");
      return r.dead === 1 ? r : null;
    }, 10_000, "the event to be parked dead");
    expect(row.pending).toBe(0);
    const deadSeq = row.deliveredThrough;
    const events = await eventsSince(server, deadSeq - 1);
    expect(events[0]).toMatchObject({ seq: deadSeq, type: "user.created", resourceId: doomed });
    const failedAttempts = receiver.requests.length;
    expect(failedAttempts).toBeGreaterThanOrEqual(2);
    expect(receiver.requests.every((d) => d.seq === deadSeq && d.status === 503)).toBe(true);

    // Parked: no more automatic attempts.
    await Bun.sleep(600);
    expect(receiver.requests.length).toBe(failedAttempts);

    // Retry while the receiver still fails: exit 1, it stays parked.
    const failedRetry = await cli(server, ["webhooks", "retry"]);
    expect(failedRetry.status).toBe(1);
    expect(failedRetry.stderr).toMatch(/failed again|stays parked/);
    expect((await statusOf(server, "dl")).dead).toBe(1);

    // The receiver is back: new events flow, the parked one is not sent by the worker.
    receiver.mode = "ok";
    await createUser(server, "later@example.com");
    const laterSeq = (await eventsSince(server, deadSeq)).at(-1).seq;
    await waitDelivered(receiver, "/dl", [laterSeq]);
    await Bun.sleep(300);
    expect(receiver.uniqueSeqs("/dl")).toEqual([laterSeq]);

    const retried = await cli(server, ["webhooks", "retry"]);
    expect(retried.status).toBe(0);
    expect(retried.stdout).toContain("Re-sent 1 parked event");
    expect(receiver.uniqueSeqs("/dl")).toEqual([laterSeq, deadSeq]);
    const resent = receiver.deliveredTo("/dl").find((d) => d.seq === deadSeq)!;
    expect(resent.id).toBe(`evt_${deadSeq}`);
    expect(resent.body.data).toEqual(events[0]);
    expect(receiver.invalid).toEqual([]);
    expect(await statusOf(server, "dl")).toMatchObject({ dead: 0, pending: 0 });

    // Nothing left to re-send.
    const again = await cli(server, ["webhooks", "retry"]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("Re-sent 0 parked events");
  });
});

describe("credentials in a webhook URL", () => {
  test("an unnamed endpoint whose URL holds a password and a ?code= key: neither reaches the log or `webhooks status`", async () => {
    const secret = newSecret();
    const receiver = new Receiver({ "/hook": secret }).start();
    receivers.push(receiver);
    receiver.mode = "fail";
    const url = receiver.url("/hook").replace("http://", "http://alice:pa55word@") + "?code=QSECRETKEY";
    const server = await startServer(`[[webhooks]]\nurl = "${url}"\nsecret = "${secret}"\nretry_base = "100ms"\nretry_max = "200ms"\n`);
    servers.push(server);
    await createUser(server, "hooked@example.com");
    await waitFor(() => receiver.requests.length >= 2, 10_000, "two failed attempts");
    // The delivery itself used the URL as configured (the receiver saw the key).
    expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
    const [row] = await status(server);
    expect(row!.url).toBe(`http://…@127.0.0.1:${new URL(url).port}/…`);
    expect(row!.name).toBe(`entry 1, ${row!.url}`);
    const table = await cli(server, ["webhooks", "status"]);
    expect(await server.stop()).toBe(0);
    const everything = [...server.stdout, ...server.stderr, table.stdout, table.stderr, JSON.stringify(row)].join("\n");
    expect(everything).toContain("Webhook delivery failed");
    expect(everything).not.toContain("pa55word");
    expect(everything).not.toContain("QSECRETKEY");
  });
});

describe("backoff (unit)", () => {
  const [ep] = endpointsOf([{ name: "b", url: "http://127.0.0.1:1/", secret: newSecret(), events: ["*"], retry_base: "100ms", retry_max: "1s", max_age: "1h", timeout: "1s" }]);

  test("doubles from retry_base up to retry_max, with ±20 % jitter, never above retry_max", () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoff(ep!, n, mid))).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoff(ep!, 1, () => 0)).toBe(80);
    expect(backoff(ep!, 1, () => 0.999999)).toBe(120);
    // At the cap the jitter can only shorten the delay: 80 % to 100 % of retry_max.
    expect(backoff(ep!, 20, () => 0)).toBe(800);
    expect(backoff(ep!, 20, () => 0.999999)).toBe(1000);
    expect(backoff(ep!, 4, () => 0.999999)).toBe(960);
    expect(backoff(ep!, 5, () => 0.999999)).toBe(1000);
    const samples = Array.from({ length: 200 }, () => backoff(ep!, 3));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(320);
    expect(Math.max(...samples)).toBeLessThanOrEqual(480);
    expect(new Set(samples).size).toBeGreaterThan(1);
  });

  test("retry_base 1s, retry_max 4s: no delay above 4000 ms (one of 4370 ms was seen), still spread below it", () => {
    const [e] = endpointsOf([{ name: "c", url: "http://127.0.0.1:1/", secret: newSecret(), events: ["*"], retry_base: "1s", retry_max: "4s", max_age: "1h", timeout: "1s" }]);
    for (const attempts of [1, 2, 3, 4, 5, 10]) {
      const samples = Array.from({ length: 500 }, () => backoff(e!, attempts));
      expect([attempts, Math.max(...samples) <= 4000]).toEqual([attempts, true]);
    }
    expect(backoff(e!, 3, () => 0.9)).toBe(4000); // 4000 × 1.16, capped
    const atCap = Array.from({ length: 500 }, () => backoff(e!, 10));
    expect(Math.min(...atCap)).toBeGreaterThanOrEqual(3200);
    expect(new Set(atCap).size).toBeGreaterThan(1);
  });

  test("deliver reports a timeout and a non-2xx as failures, a 2xx as success", async () => {
    const secret = newSecret();
    const r = new Receiver({ "/u": secret }).start();
    receivers.push(r);
    const [e] = endpointsOf([{ name: "u", url: r.url("/u"), secret, events: ["*"], retry_base: "100ms", retry_max: "1s", max_age: "1h", timeout: "300ms" }]);
    const event = { seq: 7, time: new Date().toISOString(), type: "user.created", name: "x" };
    expect(await deliver(e!, event)).toEqual({ ok: true });
    r.mode = "fail";
    expect(await deliver(e!, event)).toEqual({ ok: false, error: "HTTP 503" });
    r.mode = "hang";
    const res = await deliver(e!, event);
    expect(res.ok).toBe(false);
    expect(r.invalid).toEqual([]);
  });
});

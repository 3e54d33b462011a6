// An fdatasync of the WAL that fails after COMMIT: the change is committed (readers may have seen it) but
// may not be on disk. The client must not be told that nothing was saved (its retry of a POST would meet its
// own user, a 409), and nothing committed from then on can be called durable: scimd stops taking writes, says
// so in the log and on /readyz, and keeps serving reads.
import { afterEach, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { ScimService } from "../../src/core/service.ts";
import { generateSecret, hashSecret } from "../../src/core/tokens.ts";
import { createLogger } from "../../src/log/logger.ts";
import { serviceOptions } from "../../src/service-options.ts";
import { toDrizzle } from "../../src/storage/db.ts";
import { SqliteTokenStore } from "../../src/storage/token-store.ts";
import { testConfig } from "../support/app.ts";
import { repoWithSync } from "../support/repo-with-sync.ts";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function appWithFailingSync() {
  const state = { failNext: false };
  const stopped: unknown[] = [];
  const opened = repoWithSync(
    async () => {
      if (!state.failNext) return;
      state.failNext = false;
      throw Object.assign(new Error("EIO: i/o error, fdatasync"), { code: "EIO" });
    },
    (e) => stopped.push(e),
  );
  const { repo, writer, reader, path } = opened;
  const logs: string[] = [];
  const logger = createLogger({ level: "debug", write: (l) => logs.push(l) });
  const tokens = new SqliteTokenStore(writer, toDrizzle(reader), toDrizzle(writer), (fn) => repo.exclusive(fn), repo.reads);
  const config = testConfig({}, path);
  const service = new ScimService({ repo, options: serviceOptions(config), logger });
  const token = generateSecret();
  await tokens.create("t", hashSecret(token), "scim", new Date().toISOString(), null);
  const app = createApp({ config, service, tokens, repo, logger, ready: () => !repo.writesStopped });
  cleanups.push(() => opened.close());
  const call = async (method: string, p: string, body?: unknown) => {
    const r = await app.handle(
      new Request(`http://localhost${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" }, body: body ? JSON.stringify(body) : undefined }),
    );
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null, retryAfter: r.headers.get("retry-after") };
  };
  return { call, state, logs, stopped, repo };
}

test("a failed fdatasync: that request is told its change may or may not be kept, later writes are refused as stopped, reads go on, /readyz says not ready", async () => {
  const { call, state, logs, stopped, repo } = await appWithFailingSync();
  const kept = await call("POST", "/scim/Users", { schemas: [USER], userName: "before@example.com" });
  expect(kept.status).toBe(201);
  expect((await call("GET", "/readyz")).status).toBe(200);

  state.failNext = true;
  const unsynced = await call("POST", "/scim/Users", { schemas: [USER], userName: "alice@example.com" });
  expect(unsynced.status).toBe(503);
  expect(unsynced.retryAfter).toBe("60");
  // It was committed, so the message must not claim that nothing was saved (it used to).
  expect(unsynced.body.detail).not.toContain("nothing of it was saved");
  expect(unsynced.body.detail).toContain("may or may not have been kept");
  expect(stopped).toHaveLength(1);
  // Its event is committed but not durable: webhooks and the change feed never hand it out.
  expect(await repo.durableSeq()).toBeLessThan(await repo.lastSeq());

  // Every later write is refused, the fsyncs now succeeding notwithstanding; nothing of it is kept.
  const refused = await call("POST", "/scim/Users", { schemas: [USER], userName: "bob@example.com" });
  expect(refused.status).toBe(503);
  expect(refused.body.detail).toContain("nothing of this request was saved");
  expect(refused.body.detail).toContain("restart");
  const patch = await call("PATCH", `/scim/Users/${kept.body.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "title", value: "x" }] });
  expect(patch.status).toBe(503);
  const bob = await call("GET", `/scim/Users?filter=${encodeURIComponent('userName eq "bob@example.com"')}`);
  expect([bob.status, bob.body.totalResults]).toEqual([200, 0]);
  expect((await call("GET", `/scim/Users/${kept.body.id}`)).body.title).toBeUndefined();

  // Once stopped, a refused write or a failed read adds no log line of its own (the stop was logged once; the
  // server logs each request's line): it used to log an error per refused write and a warning per failure
  // record it could not write.
  const linesBefore = logs.length;
  expect((await call("POST", "/scim/Users", { schemas: [USER], userName: "carol@example.com" })).status).toBe(503);
  expect((await call("GET", "/scim/Users/no-such-id")).status).toBe(404);
  await Bun.sleep(20); // failure records are written after the response
  expect(logs.slice(linesBefore).filter((l) => /"level":"(warn|error)"/.test(l))).toEqual([]);

  // Reads are served; the load balancer is told to stop sending traffic.
  expect((await call("GET", `/scim/Users/${kept.body.id}`)).status).toBe(200);
  await Bun.sleep(20); // every fsync has ended
  expect(await repo.durableSeq()).toBeLessThan(await repo.lastSeq());
  const ready = await call("GET", "/readyz");
  expect(ready.status).toBe(503);
  expect(logs.some((l) => l.includes('"level":"error"') && l.includes("its fdatasync failed"))).toBe(true);
});

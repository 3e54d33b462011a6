// SIGKILL in the middle of a storm of creates, PATCHes and deletes: after a restart on the same database,
// every acknowledged (2xx) change is there, and nothing is half-written (SCIM row, directory row, events).
import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import { startServer, type RunningServer } from "../support/binary.ts";
import { prng } from "../support/prng.ts";

const WORKERS = 16;
const ROUNDS = 3;


interface Tracked {
  id: string;
  userName: string;
  /** The title of the last PATCH answered 2xx (the create's title before any). */
  title: string;
  /** A PATCH sent but never answered (the kill): its title may or may not be committed. */
  pendingTitle?: string;
  deleted: boolean;
  /** A DELETE sent but never answered. */
  pendingDelete: boolean;
}

const dirs: string[] = [];
const servers: RunningServer[] = [];
afterAll(() => {
  for (const s of servers) s.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function storm(server: RunningServer, seed: number): Promise<{ users: Tracked[]; acked: number; killedAfterMs: number }> {
  const random = prng(seed);
  const headers = { authorization: `Bearer ${server.token}`, "content-type": "application/scim+json" };
  const users: Tracked[] = [];
  let acked = 0;
  let dead = false;
  const killedAfterMs = 300 + Math.floor(random() * 500);
  const started = Date.now();
  const killer = setTimeout(() => {
    dead = true;
    server.process.kill("SIGKILL");
  }, killedAfterMs);

  const worker = async (w: number) => {
    // Each worker changes only its own users, so that "the last acknowledged PATCH" is well defined.
    const mine: Tracked[] = [];
    for (let n = 0; n < 5000 && !dead && Date.now() - started < 10_000; n++) {
      const r = random();
      const live = mine.filter((u) => !u.deleted && !u.pendingDelete);
      try {
        if (r < 0.45 || live.length === 0) {
          const userName = `s${seed}.w${w}.n${n}@crash.example.com`;
          const res = await fetch(`${server.baseUrl}/Users`, { method: "POST", headers, body: JSON.stringify({ schemas: [USER_SCHEMA], userName, title: "t0", active: true }) });
          const body = (await res.json()) as { id: string };
          if (res.status === 201) {
            const u: Tracked = { id: body.id, userName, title: "t0", deleted: false, pendingDelete: false };
            mine.push(u);
            users.push(u);
            acked++;
          } else throw new Error(`POST answered ${res.status}: ${JSON.stringify(body)}`);
        } else if (r < 0.85) {
          const u = live[Math.floor(random() * live.length)]!;
          const title = `w${w}.n${n}`;
          u.pendingTitle = title;
          const res = await fetch(`${server.baseUrl}/Users/${u.id}`, { method: "PATCH", headers, body: JSON.stringify({ schemas: [PATCH_OP_SCHEMA], Operations: [{ op: "Replace", path: "title", value: title }] }) });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`PATCH answered ${res.status}`);
          u.title = title;
          u.pendingTitle = undefined;
          acked++;
        } else {
          const u = live[Math.floor(random() * live.length)]!;
          u.pendingDelete = true;
          const res = await fetch(`${server.baseUrl}/Users/${u.id}`, { method: "DELETE", headers });
          await res.arrayBuffer();
          if (res.status !== 204) throw new Error(`DELETE answered ${res.status}`);
          u.deleted = true;
          u.pendingDelete = false;
          acked++;
        }
      } catch (e) {
        // After the kill every request fails (reset or refused): what was in flight stays "pending".
        if (!dead) throw e;
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  clearTimeout(killer);
  if (!dead) {
    dead = true;
    server.process.kill("SIGKILL");
  }
  await new Promise<void>((res) => (server.process.exitCode !== null || server.process.signalCode !== null ? res() : server.process.once("exit", () => res())));
  return { users, acked, killedAfterMs };
}

function checkDatabase(path: string): string[] {
  const db = new Database(path, { readonly: true });
  const problems: string[] = [];
  try {
    const q = <T>(sql: string) => db.query(sql).all() as T[];
    for (const r of q<{ id: string; n: number }>("SELECT u.id AS id, (SELECT count(*) FROM directory_users d WHERE d.scim_id = u.id) AS n FROM scim_users u"))
      if (r.n !== 1) problems.push(`scim_users ${r.id} has ${r.n} directory_users rows`);
    for (const r of q<{ id: number; scim: string }>("SELECT d.id AS id, d.scim_id AS scim FROM directory_users d LEFT JOIN scim_users u ON u.id = d.scim_id WHERE d.scim_id IS NOT NULL AND u.id IS NULL"))
      problems.push(`directory_users ${r.id} points at missing scim_users ${r.scim}`);
    for (const r of q<{ seq: number; rid: string }>(
      `SELECT e.seq AS seq, e.resource_id AS rid FROM events e WHERE e.type = 'user.created'
       AND NOT EXISTS (SELECT 1 FROM scim_users u WHERE u.id = e.resource_id)
       AND NOT EXISTS (SELECT 1 FROM events d WHERE d.type = 'user.deleted' AND d.resource_id = e.resource_id AND d.seq > e.seq)`,
    ))
      problems.push(`user.created event ${r.seq} names ${r.rid}, which neither exists nor has a later user.deleted event`);
    for (const r of q<{ id: string }>("SELECT u.id AS id FROM scim_users u WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.type = 'user.created' AND e.resource_id = u.id)"))
      problems.push(`scim_users ${r.id} has no user.created event`);
    const check = q<{ integrity_check: string }>("PRAGMA integrity_check");
    if (check[0]?.integrity_check !== "ok") problems.push(`integrity_check: ${JSON.stringify(check)}`);
  } finally {
    db.close();
  }
  return problems;
}

test(
  `SIGKILL during a storm of ${WORKERS} workers, ${ROUNDS} times: acknowledged changes survive, nothing half-written`,
  async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const seed = (Date.now() + round * 7919) % 2 ** 31;
      const dir = mkdtempSync(join(tmpdir(), "scimd-crash-"));
      dirs.push(dir);
      const first = await startServer("", { dir });
      servers.push(first);
      const { users, acked, killedAfterMs } = await storm(first, seed);
      const label = `round ${round + 1} (seed ${seed}, killed after ${killedAfterMs} ms, ${acked} acknowledged, ${users.length} users created)`;
      console.log(`crash-safety ${label}`);
      expect(acked, label).toBeGreaterThan(0);

      const again = await startServer("", { dir });
      servers.push(again);
      const lost: string[] = [];
      const auth = { authorization: `Bearer ${again.token}` };
      for (const u of users) {
        const res = await fetch(`${again.baseUrl}/Users/${u.id}`, { headers: auth });
        const body = (await res.json()) as { title?: string; userName?: string };
        if (u.deleted) {
          if (res.status !== 404) lost.push(`${u.userName}: deleted (204) but GET answers ${res.status}`);
        } else if (res.status === 404) {
          if (!u.pendingDelete) lost.push(`${u.userName}: created (201) but GET answers 404`);
        } else if (res.status !== 200) {
          lost.push(`${u.userName}: GET answers ${res.status}`);
        } else if (body.title !== u.title && body.title !== u.pendingTitle) {
          lost.push(`${u.userName}: title "${body.title}", last acknowledged "${u.title}"${u.pendingTitle ? ` (or in flight "${u.pendingTitle}")` : ""}`);
        }
      }
      expect(lost, label).toEqual([]);
      expect(checkDatabase(join(dir, "scimd.db")), label).toEqual([]);
      await again.stop();
      expect(checkDatabase(join(dir, "scimd.db")), `${label}, after a clean stop`).toEqual([]);
    }
  },
  90_000,
);

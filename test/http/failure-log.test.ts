// The failure log: every refused SCIM request of a client with a valid token is recorded; failures without a
// valid token (anyone on the internet can send those) are recorded at most UNAUTHENTICATED_FAILURES_PER_SECOND
// a second, so that a flood is not a stream of database writes; what is left out is counted in a warning.
import { describe, expect, test } from "bun:test";
import { TooManyRequestsError, UnauthorizedError } from "../../src/core/errors.ts";
import type { NewFailure, Repository } from "../../src/core/repository.ts";
import { failureRecorder, UNAUTHENTICATED_FAILURES_PER_HOUR, UNAUTHENTICATED_FAILURES_PER_SECOND } from "../../src/http/failure-log.ts";
import { generateSecret, hashSecret } from "../../src/core/tokens.ts";
import { createTestApp } from "../support/app.ts";

const settle = () => Bun.sleep(30);

describe("failureRecorder", () => {
  test("failures without a token: a second's worth at once, then as many as time allows, and a count of the rest", async () => {
    const recorded: NewFailure[] = [];
    const repo = { recordFailure: async (f: NewFailure) => void recorded.push(f) } as unknown as Repository;
    const warnings: Record<string, unknown>[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_m: string, f?: Record<string, unknown>) => void warnings.push(f ?? {}) };
    let now = Date.parse("2026-11-29T10:00:00Z");
    const record = failureRecorder(repo, logger, () => new Date(now), 20);
    const refuse = () => record(new Request("http://localhost/scim/Users"), new UnauthorizedError("no token"));
    for (let i = 0; i < 100; i++) refuse();
    await settle();
    expect(recorded.length).toBe(UNAUTHENTICATED_FAILURES_PER_SECOND);
    // The count of those left out is reported once, after reportAfterMs (20 ms here, 60 s in service).
    expect(warnings).toEqual([{ notRecorded: 90, recordedPerSecondAtMost: UNAUTHENTICATED_FAILURES_PER_SECOND, recordedPerHourAtMost: UNAUTHENTICATED_FAILURES_PER_HOUR }]);
    now += 500;
    for (let i = 0; i < 100; i++) refuse();
    await settle();
    expect(recorded.length).toBe(UNAUTHENTICATED_FAILURES_PER_SECOND * 1.5);
    expect(warnings.at(-1)).toEqual({ notRecorded: 95, recordedPerSecondAtMost: UNAUTHENTICATED_FAILURES_PER_SECOND, recordedPerHourAtMost: UNAUTHENTICATED_FAILURES_PER_HOUR });
    expect(warnings.length).toBe(2);
    // Paths outside the SCIM API are never recorded.
    record(new Request("http://localhost/healthz"), new UnauthorizedError("x"));
    now += 10_000;
    record(new Request("http://localhost/admin/events"), new UnauthorizedError("x"));
    await settle();
    expect(recorded.length).toBe(UNAUTHENTICATED_FAILURES_PER_SECOND * 1.5);
  });
});

describe("failureRecorder bounds what a client without a token can write", () => {
  const setup = () => {
    const recorded: NewFailure[] = [];
    const repo = { recordFailure: async (f: NewFailure) => void recorded.push(f) } as unknown as Repository;
    const logger = { debug() {}, info() {}, error() {}, warn() {} };
    const clock = { now: Date.parse("2026-11-29T10:00:00Z") };
    return { recorded, clock, record: failureRecorder(repo, logger, () => new Date(clock.now), 20) };
  };

  test(`at most ${UNAUTHENTICATED_FAILURES_PER_HOUR} an hour, however long the flood; a new hour records again`, async () => {
    const { recorded, clock, record } = setup();
    // Two hours at the per-second rate: 10 a second would be 72,000 rows.
    for (let second = 0; second < 7200; second++) {
      clock.now += 1000;
      for (let i = 0; i < 20; i++) record(new Request("http://localhost/scim/Users"), new UnauthorizedError("no token"));
    }
    await settle();
    expect(recorded.length).toBe(2 * UNAUTHENTICATED_FAILURES_PER_HOUR);
  });

  test("429s are not recorded, and a path chosen by a client without a token is kept to 128 characters", async () => {
    const { recorded, record } = setup();
    record(new Request("http://localhost/scim/Users"), new TooManyRequestsError("slow down"));
    record(new Request(`http://localhost/scim/${"x".repeat(500)}`), new UnauthorizedError("no token"));
    await settle();
    expect(recorded.map((f) => [f.status, f.path.length])).toEqual([[401, 128]]);
  });
});

describe("over HTTP (in-process, the clock stopped)", () => {
  test("a flood without a valid token writes a bounded number of rows; a client with a token has every failure recorded", async () => {
    const at = new Date("2026-11-29T10:00:00Z");
    const t = await createTestApp({}, { clock: () => at });
    try {
      for (let i = 0; i < 60; i++) expect((await t.request("GET", "/scim/Users", undefined, { auth: null })).status).toBe(401);
      for (let i = 0; i < 40; i++) expect((await t.request("GET", "/scim/Users", undefined, { auth: "scimd_not-a-valid-token" })).status).toBe(401);
      for (let i = 0; i < 30; i++) expect((await t.request("GET", `/scim/Users/missing-${i}`)).status).toBe(404);
      // The rows are written after the responses, in their own write batches: wait for them (a busy machine).
      for (let i = 0; i < 100 && (await t.storage.repo.failures({ limit: 1000 })).length < 30 + UNAUTHENTICATED_FAILURES_PER_SECOND; i++) await settle();
      const failures = await t.storage.repo.failures({ limit: 1000 });
      const withToken = failures.filter((f) => f.token === "test");
      const without = failures.filter((f) => f.token === null);
      expect(withToken.length).toBe(30);
      expect(without.length).toBe(UNAUTHENTICATED_FAILURES_PER_SECOND);
      expect(without.every((f) => f.status === 401)).toBe(true);
      // A valid token of the wrong scope is recorded under its name.
      const admin = generateSecret();
      await t.storage.tokens.create("adm", hashSecret(admin), "admin", at.toISOString(), null);
      expect((await t.request("GET", "/scim/Users", undefined, { auth: admin })).status).toBe(403);
      await settle();
      expect((await t.storage.repo.failures({ limit: 1000 })).filter((f) => f.token === "adm").map((f) => f.status)).toEqual([403]);
    } finally {
      t.close();
    }
  });

  test("a refusal of an expired token is recorded under that token's name, so that one can tell which to renew", async () => {
    const at = new Date("2026-11-29T10:00:00Z");
    const t = await createTestApp({}, { clock: () => at });
    try {
      const old = generateSecret();
      await t.storage.tokens.create("entra-2025", hashSecret(old), "scim", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z");
      const res = await t.json("GET", "/scim/Users", undefined, { auth: old });
      expect([res.status, res.body.detail]).toEqual([401, 'The bearer token has expired; create a new one with "scimd token create".']);
      for (let i = 0; i < 100 && (await t.storage.repo.failures({ limit: 10 })).length < 1; i++) await settle();
      expect((await t.storage.repo.failures({ limit: 10 })).map((f) => [f.token, f.status])).toEqual([["entra-2025", 401]]);
      // It grants nothing, so it stays within the bounds of a stranger's failures: a flood, its path cut short.
      for (let i = 0; i < 40; i++) await t.request("GET", `/scim/Users/${"x".repeat(300)}`, undefined, { auth: old });
      await settle();
      for (let i = 0; i < 20 && (await t.storage.repo.failures({ limit: 100 })).length < UNAUTHENTICATED_FAILURES_PER_SECOND; i++) await settle();
      const rows = await t.storage.repo.failures({ limit: 100 });
      expect(rows.length).toBe(UNAUTHENTICATED_FAILURES_PER_SECOND);
      expect(rows.at(-1)!.path.length).toBe(128);
    } finally {
      t.close();
    }
  });
});

// Repeated failed authentications are slowed, then answered 429; a valid token is never throttled.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { AuthThrottle, TokenRateLimit } from "../../src/http/rate-limit.ts";
import { startServer, type RunningServer } from "../support/binary.ts";

describe("AuthThrottle", () => {
  test("delays past delayAfter, blocks past blockAfter until the window ends, per address", () => {
    let now = 0;
    const t = new AuthThrottle({ windowMs: 60_000, delayAfter: 2, blockAfter: 4, clock: () => now });
    expect([t.fail("a"), t.fail("a")]).toEqual([0, 0]);
    expect(t.fail("a")).toBeGreaterThan(0);
    expect(t.retryAfter("a")).toBe(0);
    t.fail("a");
    expect(t.retryAfter("a")).toBe(60);
    expect(t.retryAfter("b")).toBe(0);
    now = 30_000;
    expect(t.retryAfter("a")).toBe(30);
    now = 60_000;
    expect(t.retryAfter("a")).toBe(0);
    expect(t.fail("a")).toBe(0);
  });
});

describe("TokenRateLimit", () => {
  test("allows a burst of perSecond requests, then asks to wait, and refills with time", () => {
    let now = 0;
    const r = new TokenRateLimit(3, () => now);
    expect([r.take(1), r.take(1), r.take(1)]).toEqual([0, 0, 0]);
    expect(r.take(1)).toBe(1);
    expect(r.take(2)).toBe(0);
    now = 1000;
    expect(r.take(1)).toBe(0);
  });
});

describe("over HTTP (compiled binary)", () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await startServer(`[limits]\nauth_failures_before_delay = 3\nauth_failures_before_block = 6\nauth_failure_window = "1m"\n`);
  });
  afterAll(() => s?.cleanup());

  test("bad tokens from one address get 401 and then 429 with Retry-After; a valid token still gets through", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const r = await fetch(`${s.baseUrl}/Users`, { headers: { authorization: `Bearer wrong-${i}` } });
      statuses.push(r.status);
      const body = (await r.json()) as { schemas: string[]; status: string; detail: string };
      expect(body.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
      expect(body.status).toBe(String(r.status));
      if (r.status === 429) {
        retryAfter = r.headers.get("retry-after");
        // The detail says the same wait as the header, in words ("1 second", not "1 seconds").
        expect(body.detail).toContain(`wait ${retryAfter} second${retryAfter === "1" ? "" : "s"} and retry`);
      }
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(6)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const ok = await fetch(`${s.baseUrl}/Users`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(ok.status).toBe(200);
  });
});

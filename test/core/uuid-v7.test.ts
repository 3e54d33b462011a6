import { describe, expect, test } from "bun:test";
import { uuidV7 } from "../../src/core/uuid-v7.ts";

describe("uuidV7", () => {
  test("is an RFC 9562 version 7, variant 10 UUID", () => {
    for (let i = 0; i < 1000; i++) expect(uuidV7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test("carries the creation time in its first 48 bits, so ids sort by time", () => {
    const t = Date.UTC(2026, 10, 28, 12, 0, 0);
    const id = uuidV7(t);
    expect(parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(t);
    const later = uuidV7(t + 1);
    expect(later > id).toBe(true);
  });

  test("ids made in the same millisecond differ", () => {
    const t = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidV7(t)));
    expect(ids.size).toBe(10_000);
  });
});

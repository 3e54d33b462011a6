import { expect, test } from "bun:test";
import { createLogger } from "../../src/log/logger.ts";

const pretty = () => {
  const lines: string[] = [];
  return { lines, log: createLogger({ format: "pretty", write: (l) => lines.push(l) }) };
};

test('format = "pretty": fields that are not set are left out, not written as "undefined"', () => {
  const { lines, log } = pretty();
  log.info("request", { method: "GET", status: 200, token: undefined, client: undefined });
  expect(lines[0]).toMatch(/ INFO  request method=GET status=200$/);
});

test('format = "pretty": a value with a space, quote, "=" or line break is quoted, so it cannot forge a field or a line', () => {
  const { lines, log } = pretty();
  log.warn("A userName change was ignored.", { username: "a@b.c", requested: "x\nFAKE 2026-01-01 ERROR forged status=500", other: 'say "hi"', sep: "a\u2028b" });
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toContain("\n");
  expect(lines[0]).not.toContain("\u2028");
  expect(lines[0]).toContain(' username=a@b.c requested="x\\nFAKE 2026-01-01 ERROR forged status=500" other="say \\"hi\\"" sep="a\\u2028b"');
});

test("format = json keeps every field as JSON (undefined ones drop out)", () => {
  const lines: string[] = [];
  createLogger({ write: (l) => lines.push(l) }).info("request", { a: "x\ny", b: undefined });
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: "info", msg: "request", a: "x\ny" });
  expect(lines[0]).not.toContain('"b"');
});

import { describe, expect, test } from "bun:test";
import { clip, quoted } from "../../src/core/quote.ts";

describe("quoted: client text inside an error message", () => {
  test("is in JSON quotes, with quotes, backslashes and control characters escaped", () => {
    expect(quoted('a"b\\c\nd\te\u0000')).toBe('"a\\"b\\\\c\\nd\\te\\u0000"');
  });
  test("escapes the line separators JSON.stringify leaves bare, so a message stays one line", () => {
    expect(JSON.stringify("\u2028")).toBe('"\u2028"');
    expect(quoted("a\u2028b\u2029c\u0085d")).toBe('"a\\u2028b\\u2029c\\u0085d"');
    expect(JSON.parse(quoted("a\u2028b\u2029c\u0085d"))).toBe("a\u2028b\u2029c\u0085d");
  });
  test("escapes DEL and the C1 controls, which JSON.stringify leaves bare, so a message shows the character it names", () => {
    expect(JSON.stringify("\u009f")).toBe('"\u009f"');
    expect(quoted("del\u007f c1\u0080\u0090\u009f")).toBe('"del\\u007f c1\\u0080\\u0090\\u009f"');
    expect(quoted("é\u00a0ü")).toBe('"é\u00a0ü"'); // U+00A0 and above are printable text
  });
  test("escapes a lone surrogate rather than passing it on", () => {
    expect(quoted("x\ud800")).toBe('"x\\ud800"');
  });
  test("is cut to the given length, marked with an ellipsis", () => {
    expect(quoted("a".repeat(61))).toBe(`"${"a".repeat(60)}…"`);
    expect(quoted("a".repeat(60))).toBe(`"${"a".repeat(60)}"`);
    expect(quoted("abcdef", 3)).toBe('"abc…"');
  });
  test("shows a value that is not a string as its JSON text, cut the same way", () => {
    expect(quoted(5)).toBe("5");
    expect(quoted(null)).toBe("null");
    expect(quoted({ op: "x".repeat(100) }, 10)).toBe('{"op":"xxx…');
  });
});

test("clip cuts only what is longer than the limit", () => {
  expect(clip("abc", 3)).toBe("abc");
  expect(clip("abcd", 3)).toBe("abc…");
});

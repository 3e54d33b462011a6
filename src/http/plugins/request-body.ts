import { Elysia } from "elysia";
import { InvalidSyntaxError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../../core/errors.ts";
import { quoted } from "../../core/quote.ts";

export interface BodyLimits {
  readonly maxBodyBytes: number;
  readonly maxJsonDepth: number;
}

/** Deepest nesting of arrays and objects, walked iteratively so hostile input cannot exhaust the stack. */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d > max) max = d;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child !== null && typeof child === "object") stack.push([child, d + 1]);
  }
  return max;
}

/**
 * UTF-8, strictly (RFC 7644 §3.8 via RFC 8259 §8.1): bytes that are not UTF-8 (a Latin-1 "Müller" from a
 * misconfigured client) are refused rather than stored as U+FFFD. A leading byte order mark is skipped, as
 * RFC 8259 allows a parser to.
 */
const utf8 = new TextDecoder("utf-8", { fatal: true });

function decode(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidSyntaxError("The request body is not valid UTF-8; send it encoded as UTF-8.");
  }
}

/** A \uD800-\uDFFF escape in the text: only then can JSON.parse produce a string that is not Unicode. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** True when every string (member names included) is well-formed UTF-16, walked iteratively. */
function wellFormed(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (!v.isWellFormed()) return false;
    } else if (Array.isArray(v)) {
      // One at a time: spread into push, an array of a few hundred thousand elements overflows the stack.
      for (const child of v) stack.push(child);
    } else if (v !== null && typeof v === "object") {
      for (const [k, child] of Object.entries(v)) {
        if (!k.isWellFormed()) return false;
        stack.push(child);
      }
    }
  }
  return true;
}

/**
 * Reads the body, stopping as soon as it passes the limit: a body without Content-Length (chunked) is never
 * held in memory beyond `max` bytes. (A declared Content-Length over the limit is refused earlier, in auth.)
 */
async function readLimited(request: Request, max: number): Promise<string> {
  if (!request.body) return "";
  // With a Content-Length (already checked against the limit before the body is read) the body is read in
  // one piece: Bun's stream reader costs more than a small request's whole handling.
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) <= max) {
    const bytes = await request.arrayBuffer();
    if (bytes.byteLength > max) throw new PayloadTooLargeError(`The request body is larger than ${max} bytes; send a smaller request.`);
    return decode(new Uint8Array(bytes));
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      // Not awaited: on a Request rebuilt around the received one (withRoutableHost) Bun's cancel() never
      // settles, and the 413 was never sent (the connection hung, counted as in flight, until shutdown).
      void reader.cancel().catch(() => undefined);
      throw new PayloadTooLargeError(`The request body is larger than ${max} bytes; send a smaller request.`);
    }
    chunks.push(value);
  }
  return decode(Buffer.concat(chunks));
}

/**
 * RFC 7644 §3.1/§8.1: request bodies are application/scim+json, and application/json is accepted too.
 * Elysia does not parse the SCIM media type itself, so this parser reads every body: with a size limit
 * (413), a nesting limit, and malformed JSON as 400 invalidSyntax rather than Elysia's 422.
 */
export const requestBody = (limits: BodyLimits) =>
  new Elysia({ name: "scimd/request-body", seed: limits }).onParse({ as: "global" }, async ({ request }) => {
    // RFC 9110 §9.3.5: content in a DELETE has no meaning; it is not read (a stray body failed the delete).
    // null, not undefined: Elysia would run its own parser on it.
    if (request.method === "DELETE") return null;
    const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    // RFC 9110 §15.5.16: a content coding the server does not decode is a 415 (a gzip body read as text
    // was reported as "not valid UTF-8", which sent the client after the wrong problem).
    const coding = request.headers.get("content-encoding")?.trim().toLowerCase();
    if (coding && coding !== "identity")
      throw new UnsupportedMediaTypeError(`The request body is sent with Content-Encoding ${quoted(coding)}, which scimd does not decode; send it uncompressed.`);
    const text = await readLimited(request, limits.maxBodyBytes);
    if (text.trim() === "") return undefined;
    if (type !== "" && type !== "application/scim+json" && type !== "application/json" && !type.endsWith("+json"))
      throw new UnsupportedMediaTypeError(`The content type ${quoted(type)} is not accepted; send the body as application/scim+json.`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new InvalidSyntaxError("The request body is not valid JSON; check the syntax and send it again.");
    }
    if (jsonDepth(body, limits.maxJsonDepth) > limits.maxJsonDepth)
      throw new InvalidSyntaxError(`The request body is nested more than ${limits.maxJsonDepth} levels deep; send a flatter document.`);
    // "\ud800" alone is valid JSON but no Unicode text: stored, it would come back changed (U+FFFD) from the
    // database's UTF-8 columns while the JSON kept it, and two such names would collide.
    if (SURROGATE_ESCAPE.test(text) && !wellFormed(body))
      throw new InvalidSyntaxError("The request body has an unpaired surrogate escape (\\uD800-\\uDFFF), which is not Unicode text; send whole characters.");
    return body;
  });

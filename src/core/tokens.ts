import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { TokenRecord, TokenStore } from "./repository.ts";

/** A new secret: 256 bits of randomness, prefixed so that secret scanners recognise it. */
export function generateSecret(): string {
  return `scimd_${randomBytes(32).toString("base64url")}`;
}

/**
 * Tokens are high-entropy random strings, so one SHA-256 is enough (a slow password hash would only slow
 * every request); the database never holds the secret.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export type AuthFailure = "missing" | "malformed" | "unknown" | "expired";

/** A failure names the token when it was known but expired, so that the failure can be told apart from a stranger's. */
export type AuthResult = { ok: true; token: TokenRecord } | { ok: false; reason: AuthFailure; expiredToken?: string };

/**
 * RFC 6750 §2.1: `Authorization: Bearer <token>`; the scheme is matched without regard to case
 * (RFC 7235 §2.1). Tokens in the query string are never read: URLs end up in proxy logs.
 */
export function readBearer(authorization: string | null | undefined): string | null | "malformed" {
  if (!authorization) return null;
  const m = /^\s*bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization);
  return m ? m[1]! : "malformed";
}

export async function authenticate(store: TokenStore, authorization: string | null | undefined, now: Date): Promise<AuthResult> {
  const secret = readBearer(authorization);
  if (secret === null) return { ok: false, reason: "missing" };
  if (secret === "malformed") return { ok: false, reason: "malformed" };
  const hash = hashSecret(secret);
  const found = await store.findByHash(hash);
  // The lookup is by hash, so its timing reveals nothing about the secret; the comparison is constant-time
  // all the same, so no code path compares secret material byte by byte.
  if (!found || !timingSafeEqual(Buffer.from(found.hash, "hex"), Buffer.from(hash, "hex"))) return { ok: false, reason: "unknown" };
  if (found.expiresAt !== null && Date.parse(found.expiresAt) <= now.getTime()) return { ok: false, reason: "expired", expiredToken: found.name };
  const { hash: _omit, ...token } = found;
  return { ok: true, token };
}

/** "90d", "12h", "30m", "1y" -> milliseconds; undefined when the text is not a duration. */
export function parseExpiry(text: string): number | undefined {
  const m = /^(\d+)\s*(m|h|d|w|y)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }[m[2]!.toLowerCase() as "m"];
  const n = Number(m[1]);
  return n > 0 ? n * unit : undefined;
}

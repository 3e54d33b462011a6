// Shared helpers for the audit-trail and change-delivery tests (issue "Provisioning history and change delivery").
import { expect } from "bun:test";
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";
import type { EventRecord } from "../../src/core/repository.ts";
import type { TestApp } from "../support/app.ts";

export const user = (userName: string, extra: Record<string, unknown> = {}): Record<string, any> => ({ schemas: [USER_SCHEMA], userName, ...extra });
export const group = (displayName: string, extra: Record<string, unknown> = {}): Record<string, any> => ({ schemas: [GROUP_SCHEMA], displayName, ...extra });
export const patchOp = (...Operations: Record<string, unknown>[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

/** Every event in the log, in sequence order. */
export async function allEvents(t: TestApp): Promise<EventRecord[]> {
  return t.storage.repo.events({ limit: 100_000 });
}

export async function lastSeq(t: TestApp): Promise<number> {
  return t.storage.repo.lastSeq();
}

/** Events appended after `seq`. */
export async function eventsAfter(t: TestApp, seq: number): Promise<EventRecord[]> {
  return t.storage.repo.events({ after: seq, limit: 100_000 });
}

/** Polls until `fn` returns a truthy value, or fails after `ms`. */
export async function waitFor<T>(fn: () => T | Promise<T>, ms = 5_000, what = "condition"): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

export function expectStrictlyIncreasing(seqs: number[]): void {
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
}

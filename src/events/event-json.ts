import type { EventRecord } from "../core/repository.ts";

/** The public shape of an event, the same in `scimd events --json`, /admin/events and webhook payloads. */
export function eventJson(e: EventRecord): Record<string, unknown> {
  return {
    seq: e.seq,
    time: e.time,
    type: e.type,
    token: e.token ?? null,
    requestId: e.requestId ?? null,
    resourceType: e.resourceType ?? null,
    resourceId: e.resourceId ?? null,
    name: e.name ?? null,
    ...(e.data ? { data: e.data } : {}),
  };
}


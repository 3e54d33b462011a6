/** Every event type scimd records (README, "History and change delivery"); NewEvent takes only these. */
export const EVENT_TYPES = [
  "user.created",
  "user.updated",
  "user.deactivated",
  "user.reactivated",
  "user.deleted",
  "group.created",
  "group.updated",
  "group.deleted",
  "group.member_added",
  "group.member_removed",
  "group.members_skipped",
  "token.created",
  "token.revoked",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** `user.*`, `group.member_added`, `*`: does the event type match one of the patterns? */
export function typeMatches(type: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => p === "*" || p === type || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))));
}

/** A subscription pattern that no event type matches (`user.create`, `users.*`): a typo that would receive nothing. */
export const matchesNoType = (pattern: string): boolean => !EVENT_TYPES.some((t) => typeMatches(t, [pattern]));

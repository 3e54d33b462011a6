import type { EventRecord, FailureRecord } from "../core/repository.ts";
import { parseWholeNumber } from "../core/whole-number.ts";
import { EVENT_TYPES } from "../core/event-types.ts";
import { eventJson } from "../events/event-json.ts";
import { CliError, readConfig, withStorage, type Io } from "./common.ts";
import { quoted } from "../core/quote.ts";
import { findDirectoryUser } from "./users.ts";

export interface EventsArgs {
  config?: string;
  since?: string;
  type?: string;
  user?: string;
  failed?: boolean;
  follow?: boolean;
  json?: boolean;
  /** Stops --follow (tests); by default it runs until interrupted. */
  signal?: AbortSignal;
}

/** What an event changed, in one line: the fields' before and after, the member, or the member ids left out. */
function detailOf(data: EventRecord["data"]): string {
  if (data?.changes)
    return Object.entries(data.changes as Record<string, { before: unknown; after: unknown }>)
      .map(([k, v]) => `${k}: ${JSON.stringify(v.before)} -> ${JSON.stringify(v.after)}`)
      .join(", ");
  if (data?.member) {
    const member = data.member as { display?: string; id: string };
    return `member ${JSON.stringify(member.display ?? member.id)}`;
  }
  if (Array.isArray(data?.missing)) {
    const shown = (data.missing as string[]).slice(0, 5).map((m) => JSON.stringify(m)).join(", ");
    return `${data.count} missing: ${shown}${(data.count as number) > 5 ? ", ..." : ""}`;
  }
  return "";
}

function formatEvent(e: EventRecord): string {
  return [String(e.seq).padStart(6), e.time, e.type.padEnd(20), e.name ?? "", e.token ? `by ${e.token}` : "", detailOf(e.data)].filter(Boolean).join("  ");
}

function formatFailure(f: FailureRecord): string {
  return [String(f.id).padStart(6), f.time, String(f.status), f.method, f.path, f.scimType ?? "", f.token ? `token ${f.token}` : "no token", f.detail ?? ""]
    .filter(Boolean)
    .join("  ");
}

/** `scimd events`: the audit trail, readable while the server runs (it reads committed rows only). */
export async function eventsCommand(args: EventsArgs, io: Io): Promise<void> {
  const { config } = readConfig(args.config, io);
  const since = args.since === undefined ? 0 : parseWholeNumber(args.since);
  if (since === undefined) throw new CliError(`--since takes a sequence number (0 or more), not ${quoted(args.since)}.`, 2);
  const types = args.type ? args.type.split(",").map((t) => t.trim()).filter(Boolean) : undefined;
  // A pattern that can match nothing printed "No events match." and exit 0, as if there were none; the same
  // pattern in a [[webhooks]] events list is a configuration error.
  // As the query reads them: a pattern ending in * is a prefix, without regard to case (user*, USER.*); any
  // other is an exact type.
  const matchesNone = (p: string) =>
    !EVENT_TYPES.some((t) => (p.endsWith("*") ? t.startsWith(p.slice(0, -1).toLowerCase()) : t === p));
  const unknown = types?.find(matchesNone);
  if (unknown !== undefined)
    throw new CliError(`--type ${quoted(unknown)} matches no event type; use one of ${EVENT_TYPES.join(", ")}, a prefix such as "user.*", or "*".`, 2);
  const storage = withStorage(config, io, { create: false });
  try {
    // A user's history is kept under its record's username; a SCIM userName it was renamed to finds it too.
    const user = args.user === undefined ? undefined : ((await findDirectoryUser(storage.repo, args.user))?.username ?? args.user);
    let after = since;
    let printed = 0;
    for (;;) {
      let count: number;
      if (args.failed) {
        const rows = await storage.repo.failures({ after, limit: 500 });
        for (const f of rows) io.out(args.json ? JSON.stringify(f) : formatFailure(f));
        count = rows.length;
        if (rows.length) after = rows[rows.length - 1]!.id;
      } else {
        const rows = await storage.repo.events({ after, limit: 500, types, name: user });
        for (const e of rows) io.out(args.json ? JSON.stringify(eventJson(e)) : formatEvent(e));
        count = rows.length;
        if (rows.length) after = rows[rows.length - 1]!.seq;
      }
      printed += count;
      if (count === 500) continue;
      // Said on stderr, so that stdout stays empty for a script; a person sees that the command did run.
      if (printed === 0 && !args.json && !args.follow) {
        const where = since > 0 ? ` after ${since}` : "";
        io.err(args.failed ? `No failed requests are recorded${where}.` : `No events match${where}.`);
      }
      if (!args.follow || args.signal?.aborted) return;
      await new Promise((r) => setTimeout(r, 500));
      if (args.signal?.aborted) return;
    }
  } finally {
    storage.close();
  }
}

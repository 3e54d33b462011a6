import { Elysia } from "elysia";
import { InvalidValueError } from "../../core/errors.ts";
import { parseWholeNumber } from "../../core/whole-number.ts";
import type { Repository } from "../../core/repository.ts";
import { eventJson } from "../../events/event-json.ts";

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json; charset=utf-8" } });

function nonNegative(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined || v === "") return fallback;
  const n = parseWholeNumber(v);
  if (n === undefined) throw new InvalidValueError(`The parameter "${name}" must be a whole number of zero or more; send for example ${name}=0.`);
  return n;
}

/**
 * The change feed for applications that poll: events in sequence order after a cursor, with the next
 * cursor. Only tokens with the admin scope reach it (the auth plugin checks the scope by path).
 */
export function adminRoutes(repo: Repository) {
  return new Elysia({ name: "scimd/routes/admin", prefix: "/admin" })
    .get("/events", async ({ query }) => {
      const after = nonNegative(query.after, "after", 0);
      const limit = Math.min(nonNegative(query.limit, "limit", 100), 1000);
      const types = typeof query.type === "string" && query.type ? query.type.split(",") : undefined;
      // Only durable events are handed out (see durableSeq): a cursor past one lost in a power cut would skip its seq's next owner.
      const events = await repo.events({ after, through: await repo.durableSeq(), limit, types });
      return json({ events: events.map(eventJson), next: events.length ? events[events.length - 1]!.seq : after });
    })
    .get("/failures", async ({ query }) => {
      const after = nonNegative(query.after, "after", 0);
      const limit = Math.min(nonNegative(query.limit, "limit", 100), 1000);
      const failures = await repo.failures({ after, limit });
      return json({ failures, next: failures.length ? failures[failures.length - 1]!.id : after });
    });
}

import { shownUrl } from "../core/quote.ts";
import { endpointsOf, deliver, toTypes } from "../events/webhooks.ts";
import { CliError, readConfig, table, withStorage, type Io } from "./common.ts";
import { quoted } from "../core/quote.ts";

export interface WebhooksArgs {
  sub: string | undefined;
  config?: string;
  json?: boolean;
  positionals: string[];
}

/** `scimd webhooks status` and `scimd webhooks retry [NAME]` (re-sends events parked as dead). */
export async function webhooksCommand(args: WebhooksArgs, io: Io): Promise<void> {
  const { config } = readConfig(args.config, io);
  const endpoints = endpointsOf(config.webhooks);
  const storage = withStorage(config, io, { create: false });
  const repo = storage.repo;
  try {
    switch (args.sub) {
      case "status": {
        const rows = [];
        for (const e of endpoints) {
          const c = await repo.webhookCursor(e.name);
          const pending = await repo.countEvents({ after: c.lastSeq, types: toTypes(e.events) });
          const dead = (await repo.deadLetters(e.name)).length;
          rows.push({ name: e.label, url: shownUrl(e.url), deliveredThrough: c.lastSeq, pending, dead, attempts: c.attempts, nextAttemptAt: c.nextAttemptAt, lastError: c.lastError });
        }
        if (args.json) return io.out(JSON.stringify(rows, null, 2));
        if (rows.length === 0) return io.out("No webhooks are configured; add [[webhooks]] entries to scimd.toml.");
        const lines = [["NAME", "HANDLED THROUGH", "PENDING", "DEAD", "ATTEMPTS", "LAST ERROR"]];
        for (const r of rows) lines.push([r.name, String(r.deliveredThrough), String(r.pending), String(r.dead), String(r.attempts), r.lastError ?? ""]);
        for (const l of table(lines)) io.out(l);
        return;
      }
      case "retry": {
        const only = args.positionals[0];
        const chosen = only ? endpoints.filter((e) => e.label === only || e.name === only) : endpoints;
        if (only && chosen.length === 0) throw new CliError(`There is no webhook named ${quoted(only)}; see "scimd webhooks status".`, 2);
        let sent = 0;
        let failed = 0;
        for (const e of chosen) {
          for (const d of await repo.deadLetters(e.name)) {
            const event = await repo.event(d.seq);
            if (!event) {
              await repo.removeDeadLetter(e.name, d.seq);
              continue;
            }
            const r = await deliver(e, event);
            if (r.ok) {
              await repo.removeDeadLetter(e.name, d.seq);
              sent++;
            } else {
              failed++;
              io.err(`scimd: event ${d.seq} to "${e.label}" failed again (${r.error}); it stays parked.`);
            }
          }
        }
        io.out(`Re-sent ${sent} parked event${sent === 1 ? "" : "s"}${failed ? `; ${failed} failed again` : ""}.`);
        if (failed) throw new CliError(`${failed} parked event${failed === 1 ? "" : "s"} could not be delivered; check the endpoint and run "scimd webhooks retry" again.`, 1);
        return;
      }
      default:
        throw new CliError('Use "scimd webhooks status [--json]" or "scimd webhooks retry [NAME]".', 2);
    }
  } finally {
    storage.close();
  }
}

// One row per measured phase, printed as it finishes and again in the final markdown table.
import { fmt, ms, type Recorder } from "./stats.ts";
import { cpuSecondsOf, mb, rssOf } from "./proc.ts";

export interface Row {
  phase: string;
  detail: string;
  requests: number;
  users: number;
  elapsedMs: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  rss: number | null;
  cpuSeconds: number;
  /** CPU time of the load generator (this process) during the phase, in seconds. */
  clientCpuSeconds: number;
  goal: string;
  /** The headline figure compared with the goal, e.g. "6,120 users/s". */
  figure: string;
  errorSamples: string[];
}

/** Samples server CPU before a phase; `finish` builds the row. */
export function phaseMeter(pid: number) {
  const cpu0 = cpuSecondsOf(pid);
  const client0 = process.cpuUsage();
  return {
    finish(phase: string, detail: string, rec: Recorder, users: number, elapsedMs: number, goal: string, figure: (r: { rps: number; ups: number }) => string): Row {
      const [p50, p95, p99] = rec.percentiles(50, 95, 99);
      const rps = (rec.count / elapsedMs) * 1000;
      const ups = (users / elapsedMs) * 1000;
      return {
        phase,
        detail,
        requests: rec.count,
        users,
        elapsedMs,
        p50: p50!,
        p95: p95!,
        p99: p99!,
        errors: rec.errors,
        rss: rssOf(pid),
        cpuSeconds: cpuSecondsOf(pid) - cpu0,
        clientCpuSeconds: clientSeconds(process.cpuUsage(client0)),
        goal,
        figure: figure({ rps, ups }),
        errorSamples: rec.errorSamples,
      };
    },
  };
}

const clientSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** CPU microseconds per request: what a phase cost the server (all its threads) and the load generator. */
const perRequest = (seconds: number, requests: number) => (requests > 0 && Number.isFinite(seconds) ? ((seconds * 1e6) / requests).toFixed(0) : "–");

export function printRow(r: Row): void {
  const rps = (r.requests / r.elapsedMs) * 1000;
  const ups = (r.users / r.elapsedMs) * 1000;
  console.log(
    `  ${r.phase.padEnd(10)} ${fmt(r.requests).padStart(8)} req in ${(r.elapsedMs / 1000).toFixed(2)} s | ${fmt(rps).padStart(7)} req/s | ${fmt(ups).padStart(7)} users/s | ` +
      `p50 ${ms(r.p50)} p95 ${ms(r.p95)} p99 ${ms(r.p99)} ms | errors ${r.errors} | RSS ${mb(r.rss)} | CPU server ${r.cpuSeconds.toFixed(2)} s, client ${r.clientCpuSeconds.toFixed(2)} s; per request server ${perRequest(r.cpuSeconds, r.requests)} µs, client ${perRequest(r.clientCpuSeconds, r.requests)} µs | goal ${r.goal}: ${r.figure}`,
  );
  for (const e of r.errorSamples) console.log(`      error: ${e}`);
}

export function markdownTable(rows: Row[]): string {
  const head = "| Phase | What | Requests | Time (s) | req/s | users/s | p50 ms | p95 ms | p99 ms | Errors | Server RSS | Server CPU s | Server CPU µs/req | Client CPU µs/req | Goal | Result |";
  const sep = "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|";
  const lines = rows.map((r) => {
    const rps = (r.requests / r.elapsedMs) * 1000;
    const ups = r.users ? (r.users / r.elapsedMs) * 1000 : NaN;
    return `| ${r.phase} | ${r.detail} | ${fmt(r.requests)} | ${Number.isFinite(r.elapsedMs) ? (r.elapsedMs / 1000).toFixed(2) : "–"} | ${fmt(rps)} | ${Number.isFinite(ups) ? fmt(ups) : "–"} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${r.errors} | ${mb(r.rss)} | ${Number.isFinite(r.cpuSeconds) ? r.cpuSeconds.toFixed(2) : "–"} | ${perRequest(r.cpuSeconds, r.requests)} | ${perRequest(r.clientCpuSeconds, r.requests)} | ${r.goal} | ${r.figure} |`;
  });
  return [head, sep, ...lines].join("\n");
}

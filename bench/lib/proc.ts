// Server-side resource figures read from /proc (Linux): resident memory and CPU time of one process.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";

const CLK_TCK = (() => {
  const r = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

function statusField(pid: number, field: string): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(field + ":"));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Resident set size in bytes (VmRSS), or null when the process is gone. */
export const rssOf = (pid: number): number | null => statusField(pid, "VmRSS");
/** Peak resident set size in bytes (VmHWM). */
export const peakRssOf = (pid: number): number | null => statusField(pid, "VmHWM");

/** User + system CPU seconds consumed so far (utime + stime from /proc/PID/stat). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; fields after the last ")" are fixed.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

export const mb = (bytes: number | null): string => (bytes === null ? "n/a" : `${(bytes / 1048576).toFixed(0)} MB`);

/** The machine, for the README table: nproc, CPU model, memory, Bun version. */
export function machineDescription(): { nproc: number; cpu: string; memory: string; bun: string; kernel: string } {
  const nproc = Number(spawnSync("nproc", { encoding: "utf8" }).stdout?.trim()) || cpus().length;
  let cpu = cpus()[0]?.model ?? "unknown";
  let memory = "unknown";
  try {
    cpu = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpu;
    const kb = Number(readFileSync("/proc/meminfo", "utf8").match(/^MemTotal:\s+(\d+)/m)?.[1]);
    memory = `${(kb / 1048576).toFixed(1)} GiB`;
  } catch {
    // not Linux: keep what node:os says
  }
  const kernel = spawnSync("uname", ["-sr"], { encoding: "utf8" }).stdout?.trim() ?? "";
  return { nproc, cpu, memory, bun: Bun.version, kernel };
}

// contrib/systemd: the units parse (systemd-analyze verify when present) and carry the hardening we promise.
import { expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ensureBinary, tempDir } from "./support.ts";

const UNITS = resolve(import.meta.dir, "../../contrib/systemd");

function directives(file: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = "";
  for (const raw of readFileSync(join(UNITS, file), "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const h = /^\[(.+)\]$/.exec(line);
    if (h) {
      section = h[1]!;
      continue;
    }
    const i = line.indexOf("=");
    const key = `${section}.${line.slice(0, i)}`;
    out.set(key, [...(out.get(key) ?? []), line.slice(i + 1)]);
  }
  return out;
}

test("scimd.service runs the binary with the required hardening", () => {
  const d = directives("scimd.service");
  const one = (k: string) => d.get(`Service.${k}`)?.at(-1);
  // The configuration (webhook secrets, the metrics token) stays root's only; the service reads it as a credential.
  expect(one("LoadCredential")).toBe("scimd.toml:/etc/scimd/scimd.toml");
  expect(one("ExecStart")).toBe("/usr/local/bin/scimd serve --config ${CREDENTIALS_DIRECTORY}/scimd.toml");
  // A configuration error (exit 2) is not restarted every 2 s until systemd gives up.
  expect(one("RestartPreventExitStatus")).toBe("2");
  expect(one("ExecReload")).toBe("/bin/kill -HUP $MAINPID");
  expect(one("Restart")).toBe("on-failure");
  expect(one("DynamicUser")).toBe("yes");
  expect(one("StateDirectory")).toBe("scimd");
  expect(one("ConfigurationDirectory")).toBe("scimd");
  for (const k of ["ProtectHome", "NoNewPrivileges", "PrivateTmp", "PrivateDevices"]) expect(one(k)).toBe("yes");
  expect(one("ProtectSystem")).toBe("strict");
  expect(one("RestrictAddressFamilies")!.split(/\s+/).sort()).toEqual(["AF_INET", "AF_INET6", "AF_UNIX"]);
  expect(d.get("Install.WantedBy")).toEqual(["multi-user.target"]);
});

test("the backup unit and timer write a nightly backup with the same user and state directory", () => {
  const s = directives("scimd-backup.service");
  expect(s.get("Service.Type")).toEqual(["oneshot"]);
  expect(s.get("Service.LoadCredential")).toEqual(["scimd.toml:/etc/scimd/scimd.toml"]);
  expect(s.get("Service.ExecStart")![0]).toContain('/usr/local/bin/scimd backup --config "$CREDENTIALS_DIRECTORY/scimd.toml"');
  expect(s.get("Service.User")).toEqual(directives("scimd.service").get("Service.User")!);
  expect(s.get("Service.StateDirectory")).toEqual(["scimd"]);
  // The same mode as scimd.service's: with another, systemd complains at each run, and a backup run before the
  // service's first start made the folder 0755.
  expect(s.get("Service.StateDirectoryMode")).toEqual(directives("scimd.service").get("Service.StateDirectoryMode")!);
  const t = directives("scimd-backup.timer");
  expect(t.get("Timer.OnCalendar")![0]).toMatch(/\d\d:\d\d/);
  expect(t.get("Timer.Persistent")).toEqual(["yes"]);
  expect(t.get("Install.WantedBy")).toEqual(["timers.target"]);
});

test("systemd-analyze verify accepts the units (when systemd-analyze is installed)", () => {
  const which = spawnSync("sh", ["-c", "command -v systemd-analyze"], { encoding: "utf8" });
  if (which.status !== 0) return; // not available here: the directive checks above still ran
  const dir = tempDir("systemd");
  const bin = ensureBinary();
  for (const f of ["scimd.service", "scimd-backup.service", "scimd-backup.timer"]) {
    // The binary is not installed in /usr/local/bin on the test machine: point the copies at dist/scimd.
    writeFileSync(join(dir, f), readFileSync(join(UNITS, f), "utf8").replaceAll("/usr/local/bin/scimd", bin));
  }
  const r = spawnSync("systemd-analyze", ["verify", "--man=no", join(dir, "scimd.service"), join(dir, "scimd-backup.service"), join(dir, "scimd-backup.timer")], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  expect(r.stderr.trim()).toBe("");
  expect(r.status).toBe(0);
});

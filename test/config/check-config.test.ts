// `scimd check-config` refuses what `serve` would refuse at start, without starting a listener or opening the
// database: bad [limits] idle_timeout, half or unusable [server.tls], a bad [metrics] listen, a [storage] path
// that is a directory.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectOneSentence, workspaces, type Workspace } from "../cli/cli-helpers.ts";
import { makeCert } from "../ops/support.ts";

const ws = workspaces();

async function refused(w: Workspace, mention: string[]): Promise<void> {
  const before = readdirSync(w.dir).sort();
  const r = await w.run(["check-config"]);
  expect(r.code).toBe(2);
  expect(r.out.filter(Boolean)).toEqual([]);
  expectOneSentence(r.err);
  for (const m of mention) expect(r.err.join("\n")).toContain(m);
  // Nothing created: no database, no lock file.
  expect(readdirSync(w.dir).sort()).toEqual(before);
}

describe("check-config refuses what serve refuses", () => {
  test('[limits] idle_timeout = "0s" (would disable the slow-client timeout)', async () => {
    await refused(ws(`[limits]\nidle_timeout = "0s"\n`), ['"limits.idle_timeout"', '"0s"', "from 1s to 255s", "line 5"]);
  });

  test('[limits] idle_timeout = "5m" (was clamped to 255 s)', async () => {
    await refused(ws(`[limits]\nidle_timeout = "5m"\n`), ['"limits.idle_timeout"', "from 1s to 255s"]);
  });

  test('[logging] level = "INFO" lists the allowed values', async () => {
    await refused(ws(`[logging]\nlevel = "INFO"\n`), ['Configuration key "logging.level" has a bad value "INFO": use one of "debug", "info", "warn", "error"; see scimd.example.toml.']);
  });

  test("[server.tls] cert without key", async () => {
    const w = ws();
    writeFileSync(join(w.dir, "tls.crt"), "x");
    writeFileSync(w.config, `[storage]\npath = ${JSON.stringify(w.db)}\n[server.tls]\ncert = ${JSON.stringify(join(w.dir, "tls.crt"))}\n`);
    await refused(w, ['"server.tls.cert" is set but "server.tls.key" is empty', "line 4"]);
  });

  test("[server.tls] files that do not exist", async () => {
    const w = ws();
    writeFileSync(w.config, `[storage]\npath = ${JSON.stringify(w.db)}\n[server.tls]\ncert = "nope.crt"\nkey = "nope.key"\n`);
    await refused(w, ["Cannot use [server.tls]: cannot read the certificate file", "nope.crt", "ENOENT"]);
  });

  test("[server.tls] a key file that does not exist beside a readable certificate", async () => {
    const w = ws();
    const pair = makeCert(w.dir, "a");
    writeFileSync(w.config, `[storage]\npath = ${JSON.stringify(w.db)}\n[server.tls]\ncert = ${JSON.stringify(pair.cert)}\nkey = "gone.key"\n`);
    await refused(w, ["Cannot use [server.tls]: cannot read the key file", "gone.key"]);
  });

  test("[server.tls] a key that is not the certificate's", async () => {
    const w = ws();
    const a = makeCert(w.dir, "a");
    const b = makeCert(w.dir, "b");
    writeFileSync(w.config, `[storage]\npath = ${JSON.stringify(w.db)}\n[server.tls]\ncert = ${JSON.stringify(a.cert)}\nkey = ${JSON.stringify(b.key)}\n`);
    await refused(w, ["does not belong to the certificate"]);
  });

  test("[server.tls] a good pair, relative to the working directory, passes", async () => {
    const w = ws();
    makeCert(w.dir, "a");
    writeFileSync(w.config, `[storage]\npath = ${JSON.stringify(w.db)}\n[server.tls]\ncert = "a.crt"\nkey = "a.key"\n`);
    const r = await w.run(["check-config"]);
    expect(r.err.filter(Boolean)).toEqual([]);
    expect(r.code).toBe(0);
  });

  for (const listen of ["127.0.0.1:99999", "127.0.0.1:65536"]) {
    test(`[metrics] listen = "${listen}"`, async () => {
      await refused(ws(`[metrics]\nenabled = true\nlisten = "${listen}"\n`), [`[metrics] listen "${listen}" is not "host:port"`]);
    });
  }

  test('[metrics] listen = "127.0.0.1:9464" and "[::1]:9464" pass', async () => {
    for (const listen of ["127.0.0.1:9464", "[::1]:9464"]) {
      const r = await ws(`[metrics]\nenabled = true\nlisten = "${listen}"\n`).run(["check-config"]);
      expect([listen, r.code, r.err.filter(Boolean)]).toEqual([listen, 0, []]);
    }
  });

  test("[storage] path that is an existing directory", async () => {
    const w = ws();
    mkdirSync(join(w.dir, "data"));
    writeFileSync(w.config, `[storage]\npath = "data"\n`);
    await refused(w, ["The database data is a directory", "[storage] path", join("data", "scimd.db")]);
  });

  for (const [key, toml] of [
    ["[server] host", `[server]\nhost = "nohost.invalid"\n`],
    ["[server] host", `[server]\nhost = "192.0.2.1"\n`],
    ["[metrics] listen", `[metrics]\nenabled = true\nlisten = "nohost.invalid:9464"\n`],
  ] as const)
    test(`${key} ${toml.split("\n").at(-2)}: a host name that does not resolve, or an address not of this machine (serve refused it; check-config said valid)`, async () => {
      await refused(ws(toml), [`check ${key}`]);
    });

  test("[storage] path under a file: the database's folder cannot be created", async () => {
    const w = ws();
    writeFileSync(join(w.dir, "afile"), "x");
    writeFileSync(w.config, `[storage]\npath = "afile/data/scimd.db"\n`);
    await refused(w, ["afile is not a folder", "[storage] path"]);
  });

  test("[storage] path to a file that does not exist yet passes and is not created", async () => {
    const w = ws();
    const r = await w.run(["check-config"]);
    expect(r.code).toBe(0);
    expect(existsSync(w.db)).toBe(false);
    expect(existsSync(w.db + ".lock")).toBe(false);
  });

  test("several problems: each on stderr, exit 2", async () => {
    const w = ws();
    mkdirSync(join(w.dir, "data"));
    writeFileSync(w.config, `[storage]\npath = "data"\n[metrics]\nenabled = true\nlisten = "127.0.0.1:70000"\n`);
    const r = await w.run(["check-config"]);
    expect(r.code).toBe(2);
    const err = r.err.join("\n");
    expect(err).toContain("[metrics] listen");
    expect(err).toContain("is a directory");
  });
});

describe("an environment variable that replaces a key of the file is said, not silent", () => {
  test("check-config names the variable, the key and the file; a variable for a key the file leaves out is not noted", async () => {
    const w = ws(""); // its file sets [storage] path
    const r = await w.run(["check-config"], { SCIMD_STORAGE_PATH: "theirs.db", SCIMD_SERVER_PORT: "9001" });
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain("with the database theirs.db");
    const notes = r.out.filter((l) => l.startsWith("Note:"));
    expect(notes).toEqual([`Note: SCIMD_STORAGE_PATH overrides storage.path set in ${w.config}.`]);
    // The same value as the file's is no override worth a note.
    const same = await w.run(["check-config"], { SCIMD_STORAGE_PATH: w.db });
    expect(same.code).toBe(0);
    expect(same.out.filter((l) => l.startsWith("Note:"))).toEqual([]);
  });
});

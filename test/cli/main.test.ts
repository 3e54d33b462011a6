// main(argv, io) in-process: commands, exit codes (0 ok, 1 runtime failure, 2 usage/config) and messages.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expectOneSentence, run, workspaces } from "./cli-helpers.ts";
import { freePort } from "../support/binary.ts";
import { listenProblem } from "../../src/cli/common.ts";

const pkg = JSON.parse(readFileSync(resolve(import.meta.dir, "../../package.json"), "utf8")) as { version: string };

const ws = workspaces();

describe("version and help", () => {
  test("version prints the package.json version, exit 0", async () => {
    const r = await run(["version"]);
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain(pkg.version);
    expect(r.out.filter(Boolean)).toEqual([`scimd ${pkg.version}`]);
    expect(r.err.filter(Boolean)).toEqual([]);
  });

  for (const argv of [["help"], ["--help"], ["-h"], ["token", "--help"]]) {
    test(`${argv.join(" ")} prints the help, exit 0`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(0);
      const help = r.out.join("\n");
      for (const cmd of ["serve", "token create", "--name", "--expires", "token list", "token revoke", "migrate", "check-config", "version", "help", "--config"])
        expect(help).toContain(cmd);
    });
  }

  test("no command prints the help on stdout and exits 2 (bad usage)", async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.out.join("\n")).toContain("Usage: scimd");
  });

  test("version and help accept --config like every command", async () => {
    const w = ws();
    expect((await w.run(["version"])).code).toBe(0);
    expect((await w.run(["help"])).code).toBe(0);
  });
});

describe("bad usage exits 2 with one sentence on stderr", () => {
  const cases: { argv: string[]; mention: string }[] = [
    { argv: ["frobnicate"], mention: "frobnicate" },
    { argv: ["version", "--bogus"], mention: "--bogus" },
    { argv: ["token"], mention: "token create" },
    { argv: ["token", "rotate"], mention: "token create" },
    { argv: ["token", "create"], mention: "--name" },
    { argv: ["token", "create", "--name", "has space"], mention: "has space" },
    { argv: ["token", "create", "--name", "ok", "--expires", "soon"], mention: "soon" },
    { argv: ["token", "create", "--name", "ok", "--expires", "0d"], mention: "0d" },
    { argv: ["token", "create", "--name", "ok", "--scope", "root"], mention: "root" },
    { argv: ["token", "revoke"], mention: "revoke" },
    { argv: ["token", "create", "--name"], mention: "--name" },
    { argv: ["token", "create", "--name", "ok", "--expires", "-5d"], mention: "write --expires=VALUE" },
    // A name with a line break is shown escaped, so the message stays one line; a long one is cut.
    { argv: ["token", "create", "--name", "two\nlines"], mention: '"two\\nlines"' },
    { argv: ["token", "create", "--name", "x".repeat(300)], mention: `"${"x".repeat(60)}…"` },
    // A stray argument to a command that takes none (`scimd serve extra` started a server on the defaults).
    { argv: ["serve", "extra"], mention: '"scimd serve" takes no arguments, but was given "extra"' },
    { argv: ["version", "extra"], mention: "takes no arguments" },
    { argv: ["check-config", "/etc/scimd/scimd.toml"], mention: "--config FILE" },
    // The same for subcommands that take none: `users list extra` listed every user, the word ignored.
    { argv: ["users", "list", "extra"], mention: '"scimd users list" takes no arguments, but was given "extra"' },
    { argv: ["users", "export", "users.csv"], mention: '"scimd users export" takes no arguments, but was given "users.csv"' },
    { argv: ["groups", "list", "Staff"], mention: '"scimd groups list" takes no arguments' },
    { argv: ["token", "list", "entra"], mention: '"scimd token list" takes no arguments' },
    { argv: ["webhooks", "status", "app"], mention: '"scimd webhooks status" takes no arguments' },
  ];
  for (const c of cases) {
    test(c.argv.join(" "), async () => {
      const w = ws();
      const r = await w.run(c.argv);
      expect(r.code).toBe(2);
      expect(r.out.filter(Boolean)).toEqual([]);
      expectOneSentence(r.err);
      expect(r.err.join("\n")).toContain(c.mention);
    });
  }

  test("bad usage creates no database", async () => {
    const w = ws();
    await w.run(["token", "create", "--name", "ok", "--expires", "soon"]);
    expect(existsSync(w.db)).toBe(false);
  });
});

describe("a bad configuration exits 2 for every command, naming the key", () => {
  const commands = [["serve"], ["token", "create", "--name", "x"], ["token", "list"], ["token", "revoke", "x"], ["migrate"], ["check-config"]];
  for (const argv of commands) {
    test(`${argv.join(" ")} --config bad.toml`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "scimd-cli-bad-"));
      try {
        writeFileSync(join(dir, "bad.toml"), `[server]\nport = "abc"\n\n[storage]\npath = ${JSON.stringify(join(dir, "x.db"))}\n`);
        const r = await run([...argv, "--config", "bad.toml"], { cwd: dir });
        expect(r.code).toBe(2);
        expectOneSentence(r.err);
        expect(r.err.join("\n")).toContain('"server.port"');
        expect(r.err.join("\n")).toContain("line 2");
        expect(existsSync(join(dir, "x.db"))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("several bad keys: every one on stderr, no stack trace, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scimd-cli-bad-"));
    try {
      writeFileSync(join(dir, "bad.toml"), `[server]\nprot = 1\n[logging]\nlevel = "loud"\n`);
      const r = await run(["check-config", "--config", "bad.toml"], { cwd: dir });
      expect(r.code).toBe(2);
      const err = r.err.join("\n");
      expect(err).toContain('"server.prot"');
      expect(err).toContain('"logging.level"');
      expect(err).not.toContain("    at ");
      expect(r.out.filter(Boolean)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const unreadable: { name: string; argv: string[]; env?: Record<string, string>; mention: string }[] = [
    { name: "--config to a missing file", argv: ["check-config", "--config", "nope.toml"], mention: "nope.toml" },
    { name: "$SCIMD_CONFIG to a missing file", argv: ["check-config"], env: { SCIMD_CONFIG: "gone.toml" }, mention: "gone.toml" },
    { name: "a TOML syntax error", argv: ["check-config", "--config", "syntax.toml"], mention: "line 2" },
    { name: "an unknown SCIMD_ variable", argv: ["check-config"], env: { SCIMD_SERVER_PROT: "1" }, mention: "SCIMD_SERVER_PROT" },
    { name: "a bad SCIMD_ value", argv: ["check-config"], env: { SCIMD_LOGGING_LEVEL: "loud" }, mention: "logging.level" },
  ];
  for (const c of unreadable) {
    test(c.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), "scimd-cli-bad-"));
      try {
        writeFileSync(join(dir, "syntax.toml"), `[server]\nport = = 1\n`);
        const r = await run(c.argv, { cwd: dir, env: c.env });
        expect(r.code).toBe(2);
        expectOneSentence(r.err);
        expect(r.err.join("\n")).toContain(c.mention);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("check-config", () => {
  test("a valid file exits 0 and says what is in force", async () => {
    const w = ws(`[server]\nhost = "127.0.0.1"\nport = 9123\n`);
    const r = await w.run(["check-config"]);
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain("127.0.0.1:9123");
    expect(r.out.join("\n")).toContain(w.db);
  });

  test("./scimd.toml in the working directory is read without --config", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scimd-cli-"));
    try {
      writeFileSync(join(dir, "scimd.toml"), `[server]\nport = 9124\n`);
      const r = await run(["check-config"], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.out.join("\n")).toContain(":9124");
      expect(r.out.join("\n")).toContain(join(dir, "scimd.toml"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("$SCIMD_CONFIG is read when there is no --config", async () => {
    const w = ws(`[server]\nport = 9125\n`);
    const r = await run(["check-config"], { env: { SCIMD_CONFIG: w.config }, cwd: tmpdir() });
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain(":9125");
  });

  test("SCIMD_SERVER_PORT overrides the file", async () => {
    const w = ws(`[server]\nport = 9125\n`);
    const r = await w.run(["check-config"], { SCIMD_SERVER_PORT: "9126" });
    expect(r.code).toBe(0);
    expect(r.out.join("\n")).toContain(":9126");
  });

  test("without any file the defaults are in force (0.0.0.0:8080, ./data/scimd.db)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scimd-cli-"));
    try {
      const r = await run(["check-config"], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.out.join("\n")).toContain("0.0.0.0:8080");
      expect(r.out.join("\n")).toContain("./data/scimd.db");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("check-config does not create the database", async () => {
    const w = ws();
    await w.run(["check-config"]);
    expect(existsSync(w.db)).toBe(false);
  });
});

describe("migrate", () => {
  test("creates the database, then says it is up to date", async () => {
    const w = ws();
    const first = await w.run(["migrate"]);
    expect(first.code).toBe(0);
    expect(first.out.join("\n")).toMatch(/Applied \d+ migrations?/);
    expect(existsSync(w.db)).toBe(true);
    const second = await w.run(["migrate"]);
    expect(second.code).toBe(0);
    expect(second.out.join("\n")).toContain("up to date");
  });

  test("commands that read or change what exists do not create a database at a mistyped path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scimd-cli-"));
    try {
      writeFileSync(join(dir, "c.toml"), `[storage]\npath = "typo/scimd.db"\n`);
      const reads = [["users", "list"], ["users", "export", "--format", "csv"], ["groups", "list"], ["events"], ["webhooks", "status"], ["token", "list"], ["token", "revoke", "x"]];
      for (const argv of reads) {
        const r = await run([...argv, "--config", "c.toml"], { cwd: dir });
        expect(r.code).toBe(1);
        expectOneSentence(r.err);
        expect(r.err.join("\n")).toContain(`The database ${join(dir, "typo/scimd.db")} does not exist; pass --config with the server's configuration file, or start scimd once or run "scimd migrate" to create it.`);
        expect(existsSync(join(dir, "typo"))).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a database path that cannot be created is a runtime failure (exit 1), one sentence", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scimd-cli-"));
    try {
      writeFileSync(join(dir, "file"), "not a folder");
      writeFileSync(join(dir, "c.toml"), `[storage]\npath = ${JSON.stringify(join(dir, "file", "sub", "x.db"))}\n`);
      // serve and restore take the server lock beside the database first: its folder fails the same way.
      for (const argv of [["migrate"], ["token", "create", "--name", "x"], ["serve"], ["restore", "backup.db"]]) {
        const r = await run([...argv, "--config", "c.toml"], { cwd: dir });
        expect(r.code).toBe(1);
        expectOneSentence(r.err);
        expect(r.err.join("\n")).toMatch(/check \[storage\] path/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("relative paths follow the working directory", () => {
  test("a relative [storage] path is taken from io.cwd, like the config file", async () => {
    // main(argv, io) resolves --config against io.cwd; the database must follow the same working directory.
    const ioCwd = mkdtempSync(join(tmpdir(), "scimd-cli-iocwd-"));
    const processCwd = mkdtempSync(join(tmpdir(), "scimd-cli-proccwd-"));
    const before = process.cwd();
    try {
      process.chdir(processCwd);
      writeFileSync(join(ioCwd, "scimd.toml"), `[storage]\npath = "data/rel.db"\n`);
      const r = await run(["migrate"], { cwd: ioCwd });
      expect(r.code).toBe(0);
      expect(existsSync(join(processCwd, "data/rel.db"))).toBe(false);
      expect(existsSync(join(ioCwd, "data/rel.db"))).toBe(true);
      // The server lock (taken by restore, here refused for a missing backup) sits beside that database too.
      const restore = await run(["restore", "missing.db"], { cwd: ioCwd });
      expect(restore.code).not.toBe(0);
      expect(existsSync(join(processCwd, "data/rel.db.lock"))).toBe(false);
      expect(existsSync(join(ioCwd, "data/rel.db.lock"))).toBe(true);
    } finally {
      process.chdir(before);
      rmSync(ioCwd, { recursive: true, force: true });
      rmSync(processCwd, { recursive: true, force: true });
    }
  });
});

describe("serve cannot listen", () => {
  test("a port in use, and a host that is not this machine's, are one sentence each with the right advice", async () => {
    const w = ws();
    expect((await w.run(["token", "create", "--name", "t"])).code).toBe(0);
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const busy = await w.run(["serve"], { SCIMD_SERVER_HOST: "127.0.0.1", SCIMD_SERVER_PORT: String(taken.port) });
      expect(busy.code).toBe(1);
      expectOneSentence(busy.err);
      expect(busy.err.join("\n")).toContain("the port is in use");
    } finally {
      taken.stop(true);
    }
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    const elsewhere = await w.run(["serve"], { SCIMD_SERVER_HOST: "192.0.2.1", SCIMD_SERVER_PORT: "8080" });
    expect(elsewhere.code).toBe(1);
    expectOneSentence(elsewhere.err);
    expect(elsewhere.err.join("\n")).toContain("check [server] host");
    expect(elsewhere.err.join("\n")).not.toContain("in use");
    // The resolver's failure for a name may come back as an unrelated errno (ENOTTY was seen): still said
    // as a name that does not resolve; an address or a port the system refuses keeps its own words.
    const enotty = Object.assign(new Error("ENOTTY: inappropriate ioctl for device, listen"), { code: "ENOTTY" });
    expect(listenProblem("scim.example.com", enotty)).toBe("scim.example.com does not resolve to an address of this machine");
    const notHere = Object.assign(new Error("EADDRNOTAVAIL: address not available, listen"), { code: "EADDRNOTAVAIL" });
    expect(listenProblem("192.0.2.1", notHere)).toBe(notHere.message);
    expect(listenProblem("192.0.2.1", enotty)).toBe(enotty.message);
    const denied = Object.assign(new Error("EACCES: permission denied, listen"), { code: "EACCES" });
    expect(listenProblem("scim.example.com", denied)).toBe(denied.message);
    // A name that does not resolve (.invalid, RFC 6761): Bun says "Is port N in use?" for [metrics] listen.
    const port = String(freePort());
    for (const env of [{ SCIMD_SERVER_HOST: "nohost.invalid", SCIMD_SERVER_PORT: port } as Record<string, string>, { SCIMD_SERVER_HOST: "127.0.0.1", SCIMD_SERVER_PORT: "0", SCIMD_METRICS_ENABLED: "true", SCIMD_METRICS_LISTEN: `nohost.invalid:${port}` }]) {
      const unresolved = await w.run(["serve"], env);
      expect(unresolved.code).toBe(1);
      expectOneSentence(unresolved.err);
      expect(unresolved.err.join("\n")).toContain("nohost.invalid does not resolve to an address of this machine");
      expect(unresolved.err.join("\n")).not.toContain("in use");
    }
  });

  test("a port held by another server that allows sharing it (SO_REUSEPORT, as Bun's production default, and an older scimd, set) is refused too, for the API and for [metrics] listen", async () => {
    const w = ws();
    expect((await w.run(["token", "create", "--name", "t"])).code).toBe(0);
    const other = Bun.serve({ hostname: "127.0.0.1", port: 0, development: false, reusePort: true, fetch: () => new Response("the other server") });
    try {
      const api = await w.run(["serve"], { SCIMD_SERVER_HOST: "127.0.0.1", SCIMD_SERVER_PORT: String(other.port) });
      expect(api.code).toBe(1);
      expect(api.err.join("\n")).toContain("the port is in use");
      const metrics = await w.run(["serve"], { SCIMD_SERVER_HOST: "127.0.0.1", SCIMD_SERVER_PORT: "0", SCIMD_METRICS_ENABLED: "true", SCIMD_METRICS_LISTEN: `127.0.0.1:${other.port}` });
      expect(metrics.code).toBe(1);
      expect(metrics.err.join("\n")).toContain("in use");
    } finally {
      other.stop(true);
    }
  });

  test("a first start that cannot listen creates no initial token (it is shown once, so it would be lost)", async () => {
    const w = ws();
    const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const busy = await w.run(["serve"], { SCIMD_SERVER_HOST: "127.0.0.1", SCIMD_SERVER_PORT: String(taken.port) });
      expect(busy.code).toBe(1);
      expect(busy.err.join("\n")).not.toContain("created the token");
    } finally {
      taken.stop(true);
    }
    const list = await w.run(["token", "list"]);
    expect(list.code).toBe(0);
    expect(list.out.join("\n")).not.toContain("initial");
  });
});

import { describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { parse as parseToml } from "smol-toml";
import { loadConfig, parseDuration } from "../../src/config/load.ts";
import { ConfigSchema } from "../../src/config/schema.ts";
import { scratchDirs } from "../support/scratch-dirs.ts";

const ROOT = resolve(import.meta.dir, "../..");
const EXAMPLE_PATH = join(ROOT, "scimd.example.toml");
const DEFAULTS = Value.Default(ConfigSchema, {}) as Record<string, Record<string, unknown>>;

const scratch = scratchDirs("config");

/** A fresh temp folder holding the given files. */
function folder(files: Record<string, string> = {}): string {
  const dir = scratch();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

type Node = TSchema & { type?: string; properties?: Record<string, TSchema>; items?: Node; default?: unknown };

/** The schema's key paths: leaves (values), tables (objects) and arrays of tables ([[webhooks]]). */
function schemaPaths() {
  const leaves: { path: string[]; schema: Node }[] = [];
  const tables: string[][] = [];
  const arrayTables: { path: string[]; item: Node; schema: Node }[] = [];
  const walk = (schema: Node, path: string[]) => {
    if (schema.type === "object" && schema.properties) {
      if (path.length) tables.push(path);
      for (const [k, child] of Object.entries(schema.properties)) walk(child as Node, [...path, k]);
    } else if (schema.type === "array" && schema.items?.type === "object") arrayTables.push({ path, item: schema.items, schema });
    else leaves.push({ path, schema });
  };
  walk(ConfigSchema as unknown as Node, []);
  return { leaves, tables, arrayTables };
}
const SCHEMA = schemaPaths();

const at = (obj: unknown, path: string[]): unknown => path.reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), obj);
const has = (obj: unknown, path: string[]): boolean => {
  const parent = at(obj, path.slice(0, -1));
  return !!parent && typeof parent === "object" && Object.hasOwn(parent, path.at(-1)!);
};

describe("scimd.example.toml documents the schema", () => {
  const text = readFileSync(EXAMPLE_PATH, "utf8");
  const example = parseToml(text) as Record<string, unknown>;

  test("its values equal the schema defaults exactly", () => {
    // An array of tables whose default is empty is documented in comments (TOML has no empty [[x]]).
    const expected = structuredClone(DEFAULTS) as Record<string, unknown>;
    for (const { path } of SCHEMA.arrayTables) {
      if (has(example, path)) continue;
      expect(at(DEFAULTS, path)).toEqual([]);
      delete (at(expected, path.slice(0, -1)) as Record<string, unknown> | undefined ?? expected)[path.at(-1)!];
    }
    expect(example).toEqual(expected);
  });

  test("it loads as a valid configuration equal to the built-in defaults", () => {
    const r = loadConfig({ file: EXAMPLE_PATH, env: {}, cwd: ROOT });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.config).toEqual(DEFAULTS as never);
  });

  for (const { path, schema } of SCHEMA.leaves) {
    test(`${path.join(".")} has a schema default and appears in the example with it`, () => {
      expect(schema.default).toBeDefined();
      expect(has(example, path)).toBe(true);
      expect(at(example, path)).toEqual(schema.default);
    });
  }

  for (const { path, item } of SCHEMA.arrayTables) {
    test(`[[${path.join(".")}]] and each of its keys are documented`, () => {
      const header = new RegExp(`^#?\\s*\\[\\[${path.join("\\.")}\\]\\]`, "m").exec(text);
      expect(header).not.toBeNull();
      const after = text.slice(header!.index);
      for (const key of Object.keys(item.properties ?? {})) expect([key, new RegExp(`^#?\\s*${key}\\s*=`, "m").test(after)]).toEqual([key, true]);
    });
  }

  test("the example has no table or key that the schema lacks", () => {
    const known = new Set([...SCHEMA.leaves, ...SCHEMA.arrayTables].map((l) => l.path.join(".")).concat(SCHEMA.tables.map((t) => t.join("."))));
    const found: string[] = [];
    const walk = (o: unknown, path: string[]) => {
      if (path.length) found.push(path.join("."));
      if (o && typeof o === "object" && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) walk(v, [...path, k]);
    };
    walk(example, []);
    expect(found.filter((p) => !known.has(p))).toEqual([]);
  });
});

describe("every key is validated with its path and line (generated from the schema)", () => {
  const wrongValue = (schema: Node) => (schema.type === "integer" || schema.type === "number" || schema.type === "boolean" || schema.type === "array" ? '"not-this"' : "123");
  for (const { path, schema } of SCHEMA.leaves) {
    const key = path.join(".");
    test(`a wrong type for ${key}`, () => {
      const toml = path.length > 1 ? `[${path.slice(0, -1).join(".")}]\n${path.at(-1)} = ${wrongValue(schema)}\n` : `${key} = ${wrongValue(schema)}\n`;
      const r = loadConfig({ file: "bad.toml", env: {}, cwd: folder({ "bad.toml": toml }) });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const message = r.errors.find((e) => e.includes(`"${key}"`));
      expect(message).toBeDefined();
      if (path.length > 1) expect(message!).toContain("line 2");
    });
  }
  for (const table of SCHEMA.tables) {
    const key = [...table, "no_such_key"].join(".");
    test(`an unknown key ${key}`, () => {
      const r = loadConfig({ file: "bad.toml", env: {}, cwd: folder({ "bad.toml": `[${table.join(".")}]\nno_such_key = 1\n` }) });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const message = r.errors.find((e) => e.includes(`"${key}"`));
      expect(message).toBeDefined();
      expect(message!).toContain("line 2");
    });
  }
});

describe("built-in defaults", () => {
  test("with no file anywhere the documented defaults are in force", () => {
    const r = loadConfig({ env: {}, cwd: folder() });
    expect(r).toMatchObject({ ok: true, source: "built-in defaults" });
    if (!r.ok) return;
    expect(r.config.server.host).toBe("0.0.0.0");
    expect(r.config.server.port).toBe(8080);
    expect(r.config.storage.path).toBe("./data/scimd.db");
  });

  test("with no file, the variables in force are named in the source (their values are not)", () => {
    const r = loadConfig({ env: { SCIMD_STORAGE_PATH: "/data/secret-name.db", SCIMD_SERVER_PORT: "9000", HOME: "/root" }, cwd: folder() });
    expect(r).toMatchObject({ ok: true, source: "built-in defaults and SCIMD_SERVER_PORT, SCIMD_STORAGE_PATH" });
    // With a file, the file is the source; variables that replace its keys are reported as overrides.
    const dir = folder({ "scimd.toml": "[server]\nport = 8000\n" });
    expect(loadConfig({ env: { SCIMD_SERVER_PORT: "9000" }, cwd: dir })).toMatchObject({ ok: true, source: join(dir, "scimd.toml") });
  });

  test("an empty file is a valid configuration with every default", () => {
    const dir = folder({ "empty.toml": "" });
    const r = loadConfig({ file: "empty.toml", env: {}, cwd: dir });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.config).toEqual(DEFAULTS as never);
  });

  test("a file setting one key keeps every other default of that section", () => {
    const dir = folder({ "one.toml": "[server]\nport = 9001\n" });
    const r = loadConfig({ file: "one.toml", env: {}, cwd: dir });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.config.server).toEqual({ ...DEFAULTS.server, port: 9001 } as never);
  });
});

describe("which file is read: --config, else $SCIMD_CONFIG, else ./scimd.toml, else defaults", () => {
  const port = (p: number) => `[server]\nport = ${p}\n`;
  const cases: { name: string; files: Record<string, string>; file?: string; env?: Record<string, string>; port: number; source: string }[] = [
    { name: "--config wins over $SCIMD_CONFIG and ./scimd.toml", files: { "a.toml": port(1111), "b.toml": port(2222), "scimd.toml": port(3333) }, file: "a.toml", env: { SCIMD_CONFIG: "b.toml" }, port: 1111, source: "a.toml" },
    { name: "$SCIMD_CONFIG wins over ./scimd.toml", files: { "b.toml": port(2222), "scimd.toml": port(3333) }, env: { SCIMD_CONFIG: "b.toml" }, port: 2222, source: "b.toml" },
    { name: "./scimd.toml is read when present", files: { "scimd.toml": port(3333) }, port: 3333, source: "scimd.toml" },
    { name: "--config may point into another folder", files: { "etc/x.toml": port(4444) }, file: "etc/x.toml", port: 4444, source: "etc/x.toml" },
    { name: "no file: built-in defaults", files: {}, port: 8080, source: "built-in defaults" },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const dir = folder(c.files);
      const r = loadConfig({ file: c.file, env: c.env ?? {}, cwd: dir });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.config.server.port).toBe(c.port);
      expect(r.source).toBe(c.source === "built-in defaults" ? c.source : join(dir, c.source));
    });
  }

  test("a --config file that does not exist is an error, not a fall back to defaults", () => {
    const dir = folder({ "scimd.toml": port(3333) });
    const r = loadConfig({ file: "missing.toml", env: {}, cwd: dir });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join("\n")).toContain(join(dir, "missing.toml"));
  });

  test("a $SCIMD_CONFIG file that does not exist is an error, not a fall back to ./scimd.toml", () => {
    const dir = folder({ "scimd.toml": port(3333) });
    const r = loadConfig({ env: { SCIMD_CONFIG: "missing.toml" }, cwd: dir });
    expect(r.ok).toBe(false);
  });
});

describe("bad configuration is reported with its key path and line", () => {
  // line: the line the message must cite; undefined where the loader only promises the key path.
  const cases: { name: string; toml: string; key: string; line?: number; mention?: string }[] = [
    { name: "unknown key", toml: `[server]\nhost = "127.0.0.1"\nprot = 9000\n`, key: "server.prot", line: 3 },
    { name: "unknown key in a later section", toml: `[server]\nport = 9000\n\n[storage]\npath = "x.db"\nfile = "y.db"\n`, key: "storage.file", line: 6 },
    { name: "unknown section", toml: `[server]\nport = 9000\n[telemetry]\nenabled = true\n`, key: "telemetry", line: 3 },
    { name: "port of the wrong type", toml: `[server]\nport = "abc"\n`, key: "server.port", line: 2, mention: '"abc"' },
    { name: "port out of range", toml: `[server]\nport = 70000\n`, key: "server.port", line: 2, mention: "70000" },
    { name: "negative port", toml: `[server]\n\nport = -1\n`, key: "server.port", line: 3, mention: "-1" },
    { name: "host empty", toml: `[server]\nhost = ""\n`, key: "server.host", line: 2 },
    { name: "trust_proxy not a boolean", toml: `[server]\ntrust_proxy = "yes"\n`, key: "server.trust_proxy", line: 2 },
    { name: "public_url without a scheme", toml: `[server]\npublic_url = "scim.example.com"\n`, key: "server.public_url", line: 2 },
    { name: "public_url with a query", toml: `[server]\npublic_url = "https://scim.example.com/scim?x=1"\n`, key: "server.public_url", line: 2, mention: "without a query or fragment" },
    { name: "public_url with a fragment", toml: `[server]\npublic_url = "https://scim.example.com:8443/scim#frag"\n`, key: "server.public_url", line: 2, mention: "without a query or fragment" },
    { name: "public_url with a space", toml: `[server]\npublic_url = "https://scim.example.com/my scim"\n`, key: "server.public_url", line: 2 },
    { name: "shutdown_timeout not a duration", toml: `[server]\nshutdown_timeout = "10 seconds"\n`, key: "server.shutdown_timeout", line: 2 },
    { name: "storage path empty", toml: `[storage]\npath = ""\n`, key: "storage.path", line: 2 },
    { name: "username_changes not one of the choices", toml: `[provisioning]\nusername_changes = "sometimes"\n`, key: "provisioning.username_changes", line: 2 },
    { name: "delete not one of the choices", toml: `[provisioning]\ndelete = "purge"\n`, key: "provisioning.delete", line: 2 },
    { name: "directory list of the wrong type", toml: `[directory]\nsites = "Paris"\n`, key: "directory.sites", line: 2 },
    { name: "max_body_bytes below its minimum", toml: `[limits]\nmax_body_bytes = 10\n`, key: "limits.max_body_bytes", line: 2 },
    { name: "max_page_size a float", toml: `[limits]\nmax_page_size = 10.5\n`, key: "limits.max_page_size", line: 2 },
    { name: "logging level unknown", toml: `[logging]\nlevel = "loud"\n`, key: "logging.level", line: 2 },
    { name: "section that is not a table", toml: `server = 1\n`, key: "server" },
    { name: "unknown key before any section", toml: `bogus = 1\n[server]\nport = 9000\n`, key: "bogus" },
    // A table where a list belongs used to be replaced by the list's default and pass as valid.
    { name: "[webhooks] written for [[webhooks]]", toml: `[webhooks]\nurl = "https://app.example.com/h"\n`, key: "webhooks", line: 1, mention: "[[webhooks]]" },
    { name: "[webhooks.app] written for [[webhooks]]", toml: `[webhooks.app]\nurl = "https://app.example.com/h"\n`, key: "webhooks", mention: "[[webhooks]]" },
    { name: "a directory list written as a table", toml: `[directory.departments]\nSales = 1\n`, key: "directory.departments", mention: "list" },
    // Values are matched without regard to case and stored as the list spells them: which spelling would win?
    { name: "a directory list with two spellings of one value", toml: `[directory]\ncompanies = ["Contoso"]\ndepartments = ["Sales", "Legal", "sales"]\n`, key: "directory.departments", line: 3, mention: '"Sales" and "sales", which differ only in case' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const dir = folder({ "bad.toml": c.toml });
      const r = loadConfig({ file: "bad.toml", env: {}, cwd: dir });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const message = r.errors.find((e) => e.includes(`"${c.key}"`));
      expect(message).toBeDefined();
      if (c.line !== undefined) expect(message!).toContain(`line ${c.line}`);
      if (c.mention) expect(message!).toContain(c.mention);
      expect(message!).not.toContain("\n");
    });
  }

  test("a directory list that repeats one spelling is valid (only two spellings of a value are an error)", () => {
    const dir = folder({ "ok.toml": `[directory]\ndepartments = ["Sales", "Legal", "Sales"]\n` });
    const r = loadConfig({ file: "ok.toml", env: {}, cwd: dir });
    expect(r.ok).toBe(true);
  });

  test("every bad key in a file is reported, not only the first", () => {
    const dir = folder({ "bad.toml": `[server]\nport = "abc"\nbogus = 1\n\n[logging]\nlevel = "loud"\n` });
    const r = loadConfig({ file: "bad.toml", env: {}, cwd: dir });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const all = r.errors.join("\n");
    for (const key of ["server.port", "server.bogus", "logging.level"]) expect(all).toContain(`"${key}"`);
  });

  test("a TOML syntax error names the file and the line", () => {
    const dir = folder({ "bad.toml": `[server]\nport = 9000\nhost = \n` });
    const r = loadConfig({ file: "bad.toml", env: {}, cwd: dir });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toContain(join(dir, "bad.toml"));
      expect(r.errors[0]).toContain("line 3");
    }
  });
});

describe("SCIMD_<SECTION>_<KEY> overrides one key", () => {
  const FILE = `[server]\nhost = "127.0.0.1"\nport = 9000\n\n[directory]\nsites = ["Nantes"]\n`;
  const cases: { env: Record<string, string>; path: [string, string]; expected: unknown }[] = [
    { env: { SCIMD_SERVER_PORT: "9100" }, path: ["server", "port"], expected: 9100 },
    { env: { SCIMD_SERVER_HOST: "::1" }, path: ["server", "host"], expected: "::1" },
    { env: { SCIMD_SERVER_TRUST_PROXY: "true" }, path: ["server", "trust_proxy"], expected: true },
    { env: { SCIMD_SERVER_TRUST_PROXY: "0" }, path: ["server", "trust_proxy"], expected: false },
    { env: { SCIMD_SERVER_PUBLIC_URL: "https://scim.example.com/scim" }, path: ["server", "public_url"], expected: "https://scim.example.com/scim" },
    { env: { SCIMD_SERVER_SHUTDOWN_TIMEOUT: "30s" }, path: ["server", "shutdown_timeout"], expected: "30s" },
    { env: { SCIMD_STORAGE_PATH: "/var/lib/scimd/x.db" }, path: ["storage", "path"], expected: "/var/lib/scimd/x.db" },
    { env: { SCIMD_PROVISIONING_DEFAULT_GROUP: "Staff" }, path: ["provisioning", "default_group"], expected: "Staff" },
    { env: { SCIMD_PROVISIONING_USERNAME_CHANGES: "reject" }, path: ["provisioning", "username_changes"], expected: "reject" },
    { env: { SCIMD_DIRECTORY_SITES: "Paris, Lyon" }, path: ["directory", "sites"], expected: ["Paris", "Lyon"] },
    { env: { SCIMD_DIRECTORY_SITES: '["Paris","Lyon, Part-Dieu"]' }, path: ["directory", "sites"], expected: ["Paris", "Lyon, Part-Dieu"] },
    { env: { SCIMD_LIMITS_MAX_BODY_BYTES: "2048" }, path: ["limits", "max_body_bytes"], expected: 2048 },
    { env: { SCIMD_LOGGING_LEVEL: "debug" }, path: ["logging", "level"], expected: "debug" },
  ];
  for (const c of cases) {
    const [name, value] = Object.entries(c.env)[0]!;
    test(`${name}=${value}`, () => {
      const dir = folder({ "scimd.toml": FILE });
      const r = loadConfig({ env: c.env, cwd: dir });
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const config = r.config as unknown as Record<string, Record<string, unknown>>;
      expect(config[c.path[0]]![c.path[1]]).toEqual(c.expected);
      // Only that key changes: the rest of the file and the defaults stay.
      const expected = structuredClone(DEFAULTS);
      Object.assign(expected.server!, { host: "127.0.0.1", port: 9000 });
      expected.directory!.sites = ["Nantes"];
      expected[c.path[0]]![c.path[1]] = c.expected;
      expect(config).toEqual(expected);
    });
  }

  // Every key can be overridden: the variable is SCIMD_ and the key path joined by "_", upper case.
  for (const { path, schema } of SCHEMA.leaves) {
    const name = `SCIMD_${path.join("_").toUpperCase()}`;
    const value = Array.isArray(schema.default) ? (schema.default as unknown[]).join(",") : String(schema.default);
    test(`${name} is recognised and read by the key's type`, () => {
      const r = loadConfig({ env: { [name]: value }, cwd: folder() });
      expect(r.ok ? [] : r.errors).toEqual([]);
      if (r.ok) expect(at(r.config, path)).toEqual(schema.default);
    });
  }

  test("an override applies without any file", () => {
    const r = loadConfig({ env: { SCIMD_SERVER_PORT: "9200" }, cwd: folder() });
    expect(r.ok && r.config.server.port).toBe(9200);
  });

  test("unrelated environment variables are ignored", () => {
    const r = loadConfig({ env: { PATH: "/usr/bin", SCIMDX_SERVER_PORT: "1", HOME: "/root" }, cwd: folder() });
    expect(r.ok).toBe(true);
  });

  test("the variables Kubernetes sets for a Service named scimd are ignored (they stopped such a pod from starting)", () => {
    const env = {
      SCIMD_SERVICE_HOST: "10.96.0.12",
      SCIMD_SERVICE_PORT: "8080",
      SCIMD_SERVICE_PORT_HTTP: "8080",
      SCIMD_PORT: "tcp://10.96.0.12:8080",
      SCIMD_PORT_8080_TCP: "tcp://10.96.0.12:8080",
      SCIMD_PORT_8080_TCP_PROTO: "tcp",
      SCIMD_PORT_8080_TCP_PORT: "8080",
      SCIMD_PORT_8080_TCP_ADDR: "10.96.0.12",
    };
    const r = loadConfig({ env, cwd: folder() });
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(r.ok && r.config.server.port).toBe(8080);
  });

  test("and those of Services named scimd-… (scimd-metrics, scimd-server: SCIMD_SERVER_PORT=tcp://… is not the port)", () => {
    const env = {
      SCIMD_METRICS_SERVICE_HOST: "10.96.0.13",
      SCIMD_METRICS_SERVICE_PORT: "9464",
      SCIMD_METRICS_PORT: "tcp://10.96.0.13:9464",
      SCIMD_METRICS_PORT_9464_TCP_ADDR: "10.96.0.13",
      SCIMD_SERVER_SERVICE_HOST: "10.96.0.14",
      SCIMD_SERVER_PORT: "tcp://10.96.0.14:8080",
      SCIMD_SERVER_PORT_8080_TCP_PORT: "8080",
      SCIMD_SERVER_HOST: "127.0.0.1",
    };
    const r = loadConfig({ env, cwd: folder() });
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(r.ok && [r.config.server.port, r.config.server.host]).toEqual([8080, "127.0.0.1"]);
  });

  test("SCIMD_PORT=9000 (a mistyped SCIMD_SERVER_PORT, not a Kubernetes address) is still an unknown variable", () => {
    const r = loadConfig({ env: { SCIMD_PORT: "9000" }, cwd: folder() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join("\n")).toContain("Unknown environment variable SCIMD_PORT");
  });

  const bad: { env: Record<string, string>; key: string }[] = [
    { env: { SCIMD_SERVER_PORT: "99999" }, key: "server.port" },
    { env: { SCIMD_SERVER_TRUST_PROXY: "maybe" }, key: "server.trust_proxy" },
    { env: { SCIMD_LOGGING_LEVEL: "loud" }, key: "logging.level" },
    { env: { SCIMD_LIMITS_MAX_BODY_BYTES: "" }, key: "limits.max_body_bytes" },
  ];
  for (const c of bad) {
    const [name, value] = Object.entries(c.env)[0]!;
    test(`a bad value ${name}=${JSON.stringify(value)} is reported with the key path`, () => {
      const r = loadConfig({ env: c.env, cwd: folder() });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.join("\n")).toContain(`"${c.key}"`);
    });
  }

  test("a non-numeric SCIMD_SERVER_PORT is reported with the value the user gave", () => {
    // The message must show "abc", the value in the environment, not what the loader turned it into.
    const r = loadConfig({ env: { SCIMD_SERVER_PORT: "abc" }, cwd: folder() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.join("\n")).toContain('"server.port"');
    expect(r.errors.join("\n")).toContain("abc");
  });

  test("a bad value from a variable names the variable, not the file's line", () => {
    const dir = folder({ "scimd.toml": `[server]\nhost = "127.0.0.1"\nport = 9000\n` });
    const r = loadConfig({ file: "scimd.toml", env: { SCIMD_SERVER_PORT: "abc" }, cwd: dir });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toStartWith("environment variable SCIMD_SERVER_PORT: ");
    expect(r.errors[0]).not.toContain("scimd.toml");
  });

  test("a bad element of a list names the list's variable, or the list's line in the file", () => {
    const dir = folder({ "scimd.toml": `[directory]\ndepartments = ["Sales", 3]\n` });
    const fromFile = loadConfig({ file: "scimd.toml", cwd: dir });
    expect(fromFile.ok).toBe(false);
    if (!fromFile.ok) expect(fromFile.errors[0]).toStartWith(`${join(dir, "scimd.toml")}, line 2: Configuration key "directory.departments.1"`);
    const fromEnv = loadConfig({ env: { SCIMD_WEBHOOKS: '[{"url": 5}]' }, cwd: folder() });
    expect(fromEnv.ok).toBe(false);
    if (!fromEnv.ok) expect(fromEnv.errors[0]).toStartWith("environment variable SCIMD_WEBHOOKS: ");
  });

  test("an unknown SCIMD_ variable is an error naming it", () => {
    const r = loadConfig({ env: { SCIMD_SERVER_PROT: "9000" }, cwd: folder() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join("\n")).toContain("SCIMD_SERVER_PROT");
  });
});

describe("parseDuration", () => {
  const cases: [string, number | undefined][] = [
    ["500ms", 500],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["90d", 90 * 86_400_000],
    ["10", undefined],
    ["1.5s", undefined],
    ["ten s", undefined],
    ["", undefined],
  ];
  for (const [text, ms] of cases) test(JSON.stringify(text), () => expect(parseDuration(text)).toBe(ms));
});

describe("[limits] idle_timeout is 1s to 255s (Bun's idleTimeout: 0 disables it, above 255 it was clamped)", () => {
  for (const value of ["0s", "0ms", "500ms", "300s", "5m", "256s", "1h"]) {
    test(`${value} is refused, naming the key, the line and the range`, () => {
      const r = loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[limits]\nidle_timeout = "${value}"\n` }) });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toEndWith(`, line 2: Configuration key "limits.idle_timeout" has a bad value "${value}": use a duration from 1s to 255s; see scimd.example.toml.`);
    });
  }
  for (const value of ["1s", "1000ms", "30s", "4m", "255s", "255000ms"]) {
    test(`${value} is accepted`, () => {
      const r = loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[limits]\nidle_timeout = "${value}"\n` }) });
      expect(r.ok ? [] : r.errors).toEqual([]);
    });
  }
  test("from a variable, the variable is named", () => {
    const r = loadConfig({ env: { SCIMD_LIMITS_IDLE_TIMEOUT: "0s" }, cwd: folder() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual(['environment variable SCIMD_LIMITS_IDLE_TIMEOUT: Configuration key "limits.idle_timeout" has a bad value "0s": use a duration from 1s to 255s; see scimd.example.toml.']);
  });
  test("reported beside the other bad keys of the file", () => {
    const r = loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[server]\nport = "abc"\n[limits]\nidle_timeout = "0s"\n` }) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join("\n")).toContain('"limits.idle_timeout"');
  });
});

describe("a choice-valued key lists the allowed values", () => {
  test("logging.level", () => {
    const r = loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[logging]\nlevel = "INFO"\n` }) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([`${r.source}, line 2: Configuration key "logging.level" has a bad value "INFO": use one of "debug", "info", "warn", "error"; see scimd.example.toml.`]);
  });
  // Every union of literals in the schema (generated, so a new choice key is covered too).
  const choiceKeys = SCHEMA.leaves.filter(({ schema }) => Array.isArray((schema as { anyOf?: unknown[] }).anyOf));
  test("the schema has choice keys", () => expect(choiceKeys.length).toBeGreaterThanOrEqual(6));
  for (const { path, schema } of choiceKeys) {
    const key = path.join(".");
    const allowed = (schema as unknown as { anyOf: { const: string }[] }).anyOf.map((c) => `"${c.const}"`).join(", ");
    for (const bad of ['"bogus"', "7"]) {
      test(`${key} = ${bad}`, () => {
        const r = loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[${path.slice(0, -1).join(".")}]\n${path.at(-1)} = ${bad}\n` }) });
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0]).toEndWith(`, line 2: Configuration key "${key}" has a bad value ${bad}: use one of ${allowed}; see scimd.example.toml.`);
        expect(r.errors[0]).not.toContain("union");
      });
    }
  }
});

describe("[server.tls]: cert and key both set or both empty", () => {
  test("cert without key is refused, naming both keys and the line", () => {
    const r = loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[server.tls]\ncert = "/etc/scimd/tls.crt"\n` }) });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toEqual([
        `${r.source}, line 2: Configuration key "server.tls.cert" is set but "server.tls.key" is empty; [server.tls] needs both cert and key (PEM file paths), or neither for plain HTTP.`,
      ]);
  });
  test("key without cert is refused", () => {
    const r = loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[server.tls]\ncert = ""\nkey = "/etc/scimd/tls.key"\n` }) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toContain(`line 3: Configuration key "server.tls.key" is set but "server.tls.cert" is empty;`);
  });
  test("from a variable, the variable is named", () => {
    const r = loadConfig({ env: { SCIMD_SERVER_TLS_CERT: "/etc/scimd/tls.crt" }, cwd: folder() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toStartWith('environment variable SCIMD_SERVER_TLS_CERT: Configuration key "server.tls.cert" is set but "server.tls.key" is empty;');
  });
  test("both empty (plain HTTP) and both set are valid here (the files are checked by serve and check-config)", () => {
    expect(loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[server.tls]\ncert = ""\nkey = ""\n` }) }).ok).toBe(true);
    expect(loadConfig({ file: "c.toml", env: {}, cwd: folder({ "c.toml": `[server.tls]\ncert = "a.crt"\nkey = "a.key"\n` }) }).ok).toBe(true);
  });
  test("SCIMD_SERVER_TLS_CERT and SCIMD_SERVER_TLS_KEY set [server.tls], like every other key (README, HTTPS)", () => {
    const r = loadConfig({ env: { SCIMD_SERVER_TLS_CERT: "/etc/scimd/tls/fullchain.pem", SCIMD_SERVER_TLS_KEY: "/etc/scimd/tls/privkey.pem" }, cwd: folder() });
    expect(r.ok && r.config.server.tls).toEqual({ cert: "/etc/scimd/tls/fullchain.pem", key: "/etc/scimd/tls/privkey.pem" });
  });
});

describe("values an administrator can get wrong in ways that hurt later", () => {
  const load = (toml: string) => {
    const dir = folder({ "scimd.toml": toml });
    return loadConfig({ file: "scimd.toml", env: {}, cwd: dir });
  };
  const errorsOf = (toml: string) => {
    const r = load(toml);
    return r.ok ? [] : r.errors;
  };
  const webhook = (extra: string) => `[[webhooks]]\nurl = "https://app.example.com/hook"\nsecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"\n${extra}\n`;

  test("a webhook secret in a bad form is not repeated in the error (it reaches the journal), and the error says what to write", () => {
    for (const secret of ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwAbcd", "whsec_Mf-Q9r8GKYqrTwjUPD8ILPZIo2LaLaSw_aSwAb"]) {
      const errors = errorsOf(`[[webhooks]]\nurl = "https://app.example.com/hook"\nsecret = "${secret}"\n`);
      expect(errors).toHaveLength(1);
      expect(errors[0]).not.toContain(secret.slice(6, 20));
      expect(errors[0]).toContain("(not shown: it is a secret)");
      expect(errors[0]).toContain('use "whsec_" followed by standard base64');
    }
  });

  test("a webhook URL is shown in errors by its scheme and host only (a key in its user, path or query stays out of the journal)", () => {
    const url = "ftp://u:pw@hooks.example.com/services/T0/B0/PATHKEY?code=QUERYKEY";
    const bad = errorsOf(`[[webhooks]]\nurl = "${url}"\nsecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"\n`);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toContain('"ftp://…@hooks.example.com/…"');
    const https = url.replace("ftp:", "https:");
    const twice = errorsOf(`[[webhooks]]\nurl = "${https}"\nsecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"\n\n[[webhooks]]\nurl = "${https}"\nsecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"\n`);
    expect(twice).toHaveLength(1);
    expect(twice[0]).toContain('the URL "https://…@hooks.example.com/…", the name of an entry without one, is used by two [[webhooks]] entries');
    for (const e of [...bad, ...twice]) for (const key of ["pw", "PATHKEY", "QUERYKEY"]) expect(e).not.toContain(key);
  });

  test("a [[webhooks]] list or entry of the wrong type is not echoed (SCIMD_WEBHOOKS as a bare URL, or broken JSON with a secret)", () => {
    for (const env of [
      { SCIMD_WEBHOOKS: "https://hooks.slack.com/services/T0/B0/PATHKEY" },
      { SCIMD_WEBHOOKS: '[{"url":"https://h.example/x?code=QUERYKEY","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}' },
    ]) {
      const r = loadConfig({ env, cwd: folder() });
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      const text = r.errors.join("\n");
      expect(text).toContain("not shown: it may hold a URL or a secret");
      for (const key of ["PATHKEY", "QUERYKEY", "MfKQ9r8GKYqr"]) expect(text).not.toContain(key);
    }
  });

  test("a required key left out is said to be missing, with what to write (it read: bad value undefined)", () => {
    const errors = errorsOf(`[[webhooks]]\nurl = "https://app.example.com/hook"\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Configuration key "webhooks.0.secret" is missing; use "whsec_" followed by standard base64');
    expect(errors[0]).not.toContain("undefined");
  });

  test("an error in a [[webhooks]] entry names the line: of the key, or of the entry's header for a key it lacks", () => {
    const two = `[server]\nport = 9000\n\n${webhook('name = "a"')}\n${webhook('name = "b"\nevents = ["user.create"]')}`;
    const errors = errorsOf(two);
    expect(errors).toHaveLength(1);
    const eventsLine = two.split("\n").findIndex((l) => l.startsWith("events")) + 1;
    expect(errors[0]).toContain(`, line ${eventsLine}: Configuration key "webhooks.1.events"`);
    const missing = `[[webhooks]]\nurl = "https://a.example.com/h"\nsecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"\n\n[[webhooks]]\nurl = "https://b.example.com/h"\n`;
    expect(errorsOf(missing)[0]).toContain(', line 5: Configuration key "webhooks.1.secret" is missing');
    const same = `${webhook('name = "a"')}\n${webhook('name = "a"')}`;
    const nameLine = same.split("\n").findLastIndex((l) => l.startsWith("name")) + 1;
    expect(errorsOf(same)[0]).toContain(`, line ${nameLine}: Configuration key "webhooks.1.name"`);
  });

  test("[metrics] listen at the server's own address and port is an error (serve blamed another program for the port)", () => {
    const metrics = (host: string, listen: string, enabled = true) => `[server]\nhost = "${host}"\nport = 19480\n\n[metrics]\nenabled = ${enabled}\nlisten = "${listen}"\n`;
    for (const [host, listen] of [["127.0.0.1", "127.0.0.1:19480"], ["0.0.0.0", "127.0.0.1:19480"], ["127.0.0.1", "0.0.0.0:19480"], ["::1", "[::1]:19480"], ["localhost", "LOCALHOST:19480"]]) {
      const errors = errorsOf(metrics(host!, listen!));
      expect([listen, errors.length]).toEqual([listen, 1]);
      expect(errors[0]).toContain(`, line 7: Configuration key "metrics.listen" (${listen}) is the server's own address and port; give /metrics another port`);
    }
    for (const [host, listen] of [["127.0.0.1", "127.0.0.1:9464"], ["127.0.0.1", "10.0.0.5:19480"]]) expect(errorsOf(metrics(host!, listen!))).toEqual([]);
    expect(errorsOf(metrics("127.0.0.1", "127.0.0.1:19480", false))).toEqual([]); // not served: nothing listens there
    // Port 0 on both sides: two ports the system picks, which never collide.
    expect(errorsOf(`[server]\nhost = "127.0.0.1"\nport = 0\n\n[metrics]\nenabled = true\nlisten = "127.0.0.1:0"\n`)).toEqual([]);
  });

  test("a duration written as a number says it needs a quoted string and what to write (it read 'expected string')", () => {
    const errors = errorsOf(`[server]\nshutdown_timeout = 10\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('Configuration key "server.shutdown_timeout" has a bad value 10, not a quoted string: use a duration such as 500ms, 10s, 5m, 1h or 90d; see scimd.example.toml.');
  });

  test("a patterned key's error says what to write, not the regular expression", () => {
    const errors = errorsOf(`[server]\nshutdown_timeout = "10 seconds"\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('has a bad value "10 seconds": use a duration such as 500ms, 10s, 5m, 1h or 90d; see scimd.example.toml.');
    expect(errors[0]).not.toContain("^");
  });

  test("a webhook event pattern that matches no event type is an error (it would receive nothing)", () => {
    for (const pattern of ["user.create", "users.*", "group.member_add"]) {
      const errors = errorsOf(webhook(`events = ["user.deleted", "${pattern}"]`));
      expect([pattern, errors.length]).toEqual([pattern, 1]);
      expect(errors[0]).toContain(`lists "${pattern}", which matches no event type`);
      expect(errors[0]).toContain("user.created");
    }
    for (const ok of ['["*"]', '["user.*", "group.member_added", "token.revoked"]']) expect(errorsOf(webhook(`events = ${ok}`))).toEqual([]);
  });

  test("webhook delays and timeouts have a floor: 0s retried a dead receiver in a loop", () => {
    for (const [key, value] of [["retry_base", "0s"], ["retry_max", "0s"], ["timeout", "0s"], ["max_age", "0s"]]) {
      const errors = errorsOf(webhook(`${key} = "${value}"`));
      expect([key, errors.length]).toEqual([key, 1]);
      expect(errors[0]).toContain(`"webhooks.0.${key}" has a bad value "${value}": use a duration`);
    }
    const errors = errorsOf(webhook(`retry_base = "1h"\nretry_max = "5s"`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"webhooks.0.retry_max" (5s) is shorter than retry_base (1h)');
  });

  test("a default group name with a control character is refused, as over SCIM", () => {
    const errors = errorsOf(`[provisioning]\ndefault_group = "Staff\\nEvil"\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"provisioning.default_group"');
    expect(errorsOf(`[provisioning]\ndefault_group = "All Staff (Paris) - 2026"\n`)).toEqual([]);
    expect(errorsOf(`[provisioning]\ndefault_group = "Staff\\u0085"\n`)[0]).toContain('"provisioning.default_group"');
  });

  test("retain_days is at most a century (a larger one failed every hourly prune)", () => {
    expect(errorsOf(`[audit]\nretain_days = 1000000000\n`)[0]).toContain('"audit.retain_days"');
    expect(errorsOf(`[audit]\nretain_days = 36500\n`)).toEqual([]);
  });
});

import { EVENT_TYPES, matchesNoType } from "../core/event-types.ts";
import { shownUrl } from "../core/quote.ts";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { parse as parseToml, TomlError } from "smol-toml";
import { ConfigSchema, type Config } from "./schema.ts";

export interface LoadOptions {
  /** `--config FILE` from the command line. */
  file?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export type LoadResult =
  /** `overrides`: the file's values that an environment variable replaced with another, as "SCIMD_X overrides section.key set in FILE." notes. */
  | { ok: true; config: Config; source: string; overrides: string[] }
  | { ok: false; errors: string[]; source: string };

/** The configuration file in force: `--config`, else `$SCIMD_CONFIG`, else `./scimd.toml` when present. */
function chooseFile(opts: LoadOptions): { path: string | undefined; mustExist: boolean } {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.file) return { path: resolve(cwd, opts.file), mustExist: true };
  const fromEnv = opts.env?.SCIMD_CONFIG;
  if (fromEnv) return { path: resolve(cwd, fromEnv), mustExist: true };
  const local = resolve(cwd, "scimd.toml");
  return existsSync(local) ? { path: local, mustExist: false } : { path: undefined, mustExist: false };
}

export function loadConfig(opts: LoadOptions = {}): LoadResult {
  const env = opts.env ?? {};
  const { path } = chooseFile(opts);
  const source = path ?? "built-in defaults";
  let raw: Record<string, unknown> = {};
  let text = "";
  if (path) {
    try {
      text = readFileSync(path, "utf8");
    } catch {
      return { ok: false, source, errors: [`Cannot read the configuration file ${path}; check that it exists and is readable.`] };
    }
    try {
      raw = parseToml(text) as Record<string, unknown>;
    } catch (e) {
      const where = e instanceof TomlError ? ` at line ${e.line}, column ${e.column}` : "";
      const why = e instanceof Error ? e.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "") : String(e);
      return { ok: false, source, errors: [`${path}${where}: the file is not valid TOML (${why}); fix the syntax.`] };
    }
  }
  const fromEnv = new Map<string, string>();
  const fromFile = structuredClone(raw);
  const envErrors = applyEnvOverrides(raw, env, fromEnv);
  if (envErrors.length) return { ok: false, source, errors: envErrors };
  /** Where a key's value came from, for the start of an error line: the variable, or the file and line. */
  const origin = (key: string): string => {
    // An element's key (`directory.departments.1`, `webhooks.0.url`) was set by its list's variable or line.
    const parts = key.split(".");
    for (let n = parts.length; n > 0; n--) {
      const variable = fromEnv.get(parts.slice(0, n).join("."));
      if (variable) return `environment variable ${variable}: `;
    }
    const line = path ? findLine(text, key.replace(/(\.\d+)+$/, "")) : undefined;
    return line ? `${path}, line ${line}: ` : path ? `${path}: ` : "";
  };

  // TypeBox's Value.Default puts a list's default in place of a table ([webhooks] written for [[webhooks]]),
  // which then passed as valid: the endpoints were silently dropped. Such keys are reported first.
  const tables = tablesForLists(ConfigSchema, raw, []);
  if (tables.length)
    return {
      ok: false,
      source,
      errors: tables.map((key) => {
        const at = origin(key);
        return key === "webhooks"
          ? `${at}Configuration key "webhooks" is a table, not a list; write [[webhooks]] (double brackets) above each endpoint, as in scimd.example.toml.`
          : `${at}Configuration key "${key}" is a table, not a list; give it a list such as ["a", "b"], as in scimd.example.toml.`;
      }),
    };
  const withDefaults = Value.Default(ConfigSchema, structuredClone(raw));
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(ConfigSchema, withDefaults)) {
    const key = e.path.replace(/^\//, "").replaceAll("/", ".");
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(origin(key) + describeError(key, e.message, e.value, e.schema));
  }
  for (const r of durationRangeErrors(ConfigSchema, withDefaults, [])) if (!seen.has(r.key)) errors.push(origin(r.key) + r.message);
  if (errors.length) return { ok: false, source, errors };
  const config = withDefaults as Config;
  // Both files or neither (the listener would refuse half a pair at start; every command says so here).
  const tls = config.server.tls;
  if (!tls.cert !== !tls.key) {
    const [set, empty] = tls.cert ? ["server.tls.cert", "server.tls.key"] : ["server.tls.key", "server.tls.cert"];
    errors.push(`${origin(set)}Configuration key "${set}" is set but "${empty}" is empty; [server.tls] needs both cert and key (PEM file paths), or neither for plain HTTP.`);
  }
  // A value is matched to its list entry without regard to case and stored with the entry's spelling: two
  // entries that differ only in case would make the stored spelling depend on their order.
  for (const list of ["departments", "companies", "sites"] as const) {
    const byFold = new Map<string, string>();
    for (const v of config.directory[list]) {
      const other = byFold.get(v.toLowerCase());
      // The same spelling twice is harmless (a list pasted from an export): only two spellings are an error.
      if (other !== undefined && other !== v)
        errors.push(`${origin(`directory.${list}`)}Configuration key "directory.${list}" lists ${JSON.stringify(other)} and ${JSON.stringify(v)}, which differ only in case; keep one spelling.`);
      byFold.set(v.toLowerCase(), v);
    }
  }
  for (const [i, w] of config.webhooks.entries()) {
    for (const pattern of w.events)
      if (matchesNoType(pattern))
        errors.push(`${origin(`webhooks.${i}.events`)}Configuration key "webhooks.${i}.events" lists ${JSON.stringify(pattern)}, which matches no event type; use one of ${EVENT_TYPES.join(", ")}, a prefix such as "user.*", or "*".`);
    if (parseDuration(w.retry_max)! < parseDuration(w.retry_base)!)
      errors.push(`${origin(`webhooks.${i}.retry_max`)}Configuration key "webhooks.${i}.retry_max" (${w.retry_max}) is shorter than retry_base (${w.retry_base}); make it at least as long.`);
  }
  // /metrics on a second listener at the server's own address: serve failed with "the port is in use; stop
  // what holds it or change [server] port", and what held it was scimd itself.
  if (config.metrics.enabled && config.metrics.listen && sameListener(config.metrics.listen, config.server.host, config.server.port))
    errors.push(
      `${origin("metrics.listen")}Configuration key "metrics.listen" (${config.metrics.listen}) is the server's own address and port; give /metrics another port, or leave listen empty to serve it on the main port.`,
    );
  const names = new Set<string>();
  for (const [i, w] of config.webhooks.entries()) {
    const name = w.name || w.url;
    // Delivery positions are kept per endpoint name: two entries with one name would share one. An unnamed
    // entry's name is its URL, shown without what may be a key in it.
    if (names.has(name))
      errors.push(
        `${origin(`webhooks.${i}.name`)}Configuration key "webhooks.${i}.name": ${w.name ? `the name "${w.name}" is` : `the URL ${JSON.stringify(shownUrl(w.url))}, the name of an entry without one, is`} used by two [[webhooks]] entries; give each entry its own name.`,
      );
    names.add(name);
  }
  if (errors.length) return { ok: false, source, errors };
  // A variable silently beating the file surprised users (a container image's SCIMD_STORAGE_PATH over the
  // mounted file's path): it still wins, and serve says so.
  const at = (doc: Record<string, unknown>, key: string) => key.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), doc);
  const overrides = [...fromEnv]
    .filter(([key]) => at(fromFile, key) !== undefined && JSON.stringify(at(fromFile, key)) !== JSON.stringify(at(raw, key)))
    .map(([key, variable]) => `${variable} overrides ${key} set in ${path}.`);
  // Without a file, the variables are the whole configuration: "built-in defaults" alone hid them from the
  // start line and check-config (a container's SCIMD_STORAGE_PATH, say).
  const variables = [...new Set(fromEnv.values())].sort();
  return { ok: true, config, source: path || variables.length === 0 ? source : `built-in defaults and ${variables.join(", ")}`, overrides };
}

/** Whether "host:port" would listen where [server] host and port do (the same host, or either on every address). */
function sameListener(listen: string, host: string, port: number): boolean {
  const i = listen.lastIndexOf(":");
  // Port 0 is one the system picks, never the server's.
  if (port === 0 || Number(listen.slice(i + 1)) !== port) return false;
  const bare = (h: string) => h.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const wildcard = (h: string) => h === "0.0.0.0" || h === "::";
  const a = bare(listen.slice(0, i));
  const b = bare(host);
  return a === b || wildcard(a) || wildcard(b);
}

/** Keys whose schema is a list but whose value is a TOML table (dotted paths). */
function tablesForLists(schema: TSchema, value: unknown, at: string[]): string[] {
  if (typeof value !== "object" || value === null) return [];
  if (schema.type === "array") return Array.isArray(value) ? [] : [at.join(".")];
  if (schema.type !== "object" || Array.isArray(value)) return [];
  return eachProperty(schema, value, at, tablesForLists);
}

/** `visit` over the keys of a table the schema knows, with their schemas and dotted paths. */
function eachProperty<T>(schema: TSchema, value: unknown, at: string[], visit: (schema: TSchema, value: unknown, at: string[]) => T[]): T[] {
  const props = (schema as ObjectSchema).properties ?? {};
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => (props[k] ? visit(props[k], v, [...at, k]) : []));
}

/**
 * A bad value as an error may repeat it; errors reach the journal and CI logs. A secret is not repeated, a URL
 * (which may hold a key) is cut to its scheme and host, and a [[webhooks]] list or entry of the wrong type
 * (SCIMD_WEBHOOKS as a bare URL, or broken JSON) holds URLs and secrets: only its kind is said.
 */
function shownValue(key: string, value: unknown, schema?: TSchema): string {
  const { secret, url } = (schema ?? {}) as { secret?: boolean; url?: boolean };
  if (secret && typeof value === "string") return "(not shown: it is a secret)";
  if (url && typeof value === "string") return JSON.stringify(shownUrl(value));
  if (key !== "webhooks" && !/^webhooks\.\d+$/.test(key)) return JSON.stringify(value);
  const kind = Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value === "object" ? "table" : typeof value}`;
  return `(${kind}, not shown: it may hold a URL or a secret)`;
}

function describeError(key: string, message: string, value: unknown, schema?: TSchema): string {
  if (message === "Unexpected property") return `Unknown configuration key "${key}"; remove it or check its spelling against scimd.example.toml.`;
  const { hint } = (schema ?? {}) as { hint?: string };
  if (value === undefined) return `Configuration key "${key}" is missing${hint ? `; ${hint}` : "; set it"}; see scimd.example.toml.`;
  const shown = shownValue(key, value, schema);
  if (hint && typeof value === "string") return `Configuration key "${key}" has a bad value ${shown}: ${hint}; see scimd.example.toml.`;
  // A duration written as a number (shutdown_timeout = 10) read "expected string".
  if (hint && (schema as { type?: string }).type === "string") return `Configuration key "${key}" has a bad value ${shown}, not a quoted string: ${hint}; see scimd.example.toml.`;
  // A choice (a union of literals): TypeBox only says "Expected union value"; list the allowed values.
  const choices = (schema as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf;
  if (choices?.length && choices.every((c) => c.const !== undefined))
    return `Configuration key "${key}" has a bad value ${shown}: use one of ${choices.map((c) => JSON.stringify(c.const)).join(", ")}; see scimd.example.toml.`;
  return `Configuration key "${key}" has a bad value ${shown}: ${message.charAt(0).toLowerCase()}${message.slice(1)}; see scimd.example.toml.`;
}

type BoundedDuration = TSchema & { minDuration?: string; maxDuration?: string };

/** Duration keys outside their schema's `minDuration`..`maxDuration` (dotted key paths, as TypeBox's errors). */
function durationRangeErrors(schema: TSchema, value: unknown, at: string[]): { key: string; message: string }[] {
  if (schema.type === "object" && typeof value === "object" && value !== null && !Array.isArray(value))
    return eachProperty(schema, value, at, durationRangeErrors);
  if (schema.type === "array" && Array.isArray(value) && schema.items) return value.flatMap((v, i) => durationRangeErrors(schema.items as TSchema, v, [...at, String(i)]));
  const { minDuration, maxDuration } = schema as BoundedDuration;
  if ((minDuration === undefined && maxDuration === undefined) || typeof value !== "string") return [];
  const ms = parseDuration(value);
  if (ms === undefined) return [];
  const min = minDuration === undefined ? undefined : parseDuration(minDuration)!;
  const max = maxDuration === undefined ? undefined : parseDuration(maxDuration)!;
  if ((min === undefined || ms >= min) && (max === undefined || ms <= max)) return [];
  const range = min !== undefined && max !== undefined ? `from ${minDuration} to ${maxDuration}` : min !== undefined ? `of at least ${minDuration}` : `of at most ${maxDuration}`;
  const key = at.join(".");
  return [{ key, message: `Configuration key "${key}" has a bad value ${JSON.stringify(value)}: use a duration ${range}; see scimd.example.toml.` }];
}

/** Best-effort line number of `section.key` in the TOML text, for error messages. */
function findLine(text: string, key: string): number | undefined {
  const parts = key.split(".");
  const lines = text.split("\n");
  let section = "";
  // [[webhooks]] entries are sections "webhooks.0", "webhooks.1"…, as keys name them ("webhooks.1.events").
  const entries = new Map<string, number>();
  // The header of the key's own section: the line given for a key its entry leaves out (a missing secret).
  let sectionLine: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    const header = /^\[(\[?)\s*([^\]]+?)\s*\]\]?/.exec(l);
    if (header) {
      section = header[2]!;
      if (header[1]) {
        const n = entries.get(section) ?? 0;
        entries.set(section, n + 1);
        section = `${section}.${n}`;
      }
      if (parts.length === 1 && section === parts[0]) return i + 1;
      if (section === parts.slice(0, -1).join(".")) sectionLine = i + 1;
      continue;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=/.exec(l);
    if (kv && section === "" && kv[1] === parts[0]) return i + 1;
    if (kv && parts.length >= 2 && section === parts.slice(0, -1).join(".") && kv[1] === parts.at(-1)) return i + 1;
  }
  return sectionLine;
}

/**
 * The variables Kubernetes gives every pod for each Service of the namespace (service links): for a Service
 * named "scimd" or "scimd-…" they begin with SCIMD_ (SCIMD_SERVICE_HOST=10.96.0.12, SCIMD_SERVICE_PORT=8080,
 * SCIMD_PORT=tcp://10.96.0.12:8080, SCIMD_PORT_8080_TCP_ADDR=…; for "scimd-server", SCIMD_SERVER_PORT=tcp://…,
 * which is also the name of a real key). Refusing them stopped such pods from starting. A value that is not
 * such an address (SCIMD_PORT=9000, meaning SCIMD_SERVER_PORT) is still an error.
 */
function isServiceLink(name: string, value: string): boolean {
  if (/^SCIMD_([A-Z0-9_]+_)?SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?$/.test(name) && /^[0-9A-Fa-f.:]+$/.test(value)) return true;
  if (/^SCIMD_([A-Z0-9_]+_)?PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$/.test(name)) return true;
  return /^SCIMD_([A-Z0-9_]+_)?PORT$/.test(name) && /^(tcp|udp|sctp):\/\/[^/]+$/.test(value);
}

/**
 * `SCIMD_<SECTION>_<KEY>=value` overrides one key, for containers: `SCIMD_SERVER_PORT=9000`,
 * `SCIMD_PROVISIONING_DEFAULT_GROUP=Staff`, `SCIMD_DIRECTORY_SITES=Paris,Lyon`. Values are read by the
 * key's type in the schema (integers, booleans, comma-separated or JSON arrays). Each key set is noted in
 * `applied` (dotted key -> variable), so that an error names the variable.
 */
function applyEnvOverrides(raw: Record<string, unknown>, env: Record<string, string | undefined>, applied: Map<string, string>): string[] {
  const errors: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("SCIMD_") || name === "SCIMD_CONFIG" || value === undefined || isServiceLink(name, value)) continue;
    const found = findKey(ConfigSchema, name.slice("SCIMD_".length).toLowerCase());
    if (!found) {
      errors.push(`Unknown environment variable ${name}; scimd reads SCIMD_<SECTION>_<KEY> for the keys in scimd.example.toml.`);
      continue;
    }
    let target = raw;
    for (const segment of found.path.slice(0, -1)) {
      const next = target[segment];
      target = (typeof next === "object" && next !== null && !Array.isArray(next) ? next : (target[segment] = {})) as Record<string, unknown>;
    }
    target[found.path.at(-1)!] = fromEnvString(found.schema, value);
    applied.set(found.path.join("."), name);
  }
  return errors;
}

type ObjectSchema = TSchema & { properties?: Record<string, TSchema> };

/** `server_tls_cert` -> ["server", "tls", "cert"], walking the schema (keys may contain underscores). */
function findKey(schema: ObjectSchema, rest: string): { path: string[]; schema: TSchema } | undefined {
  const props = schema.properties ?? {};
  for (const key of Object.keys(props).sort((a, b) => b.length - a.length)) {
    const child = props[key]! as ObjectSchema;
    if (rest === key) return child.type === "object" ? undefined : { path: [key], schema: child };
    if (rest.startsWith(key + "_") && child.type === "object") {
      const inner = findKey(child, rest.slice(key.length + 1));
      if (inner) return { path: [key, ...inner.path], schema: inner.schema };
    }
  }
  return undefined;
}

function fromEnvString(schema: TSchema, value: string): unknown {
  const type = (schema as { type?: string }).type;
  if (type === "integer" || type === "number") return value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : value;
  if (type === "boolean") return /^(true|1|yes)$/i.test(value) ? true : /^(false|0|no)$/i.test(value) ? false : value;
  if (type === "array") {
    if (value.trim().startsWith("[")) {
      try {
        return JSON.parse(value);
      } catch {
        return value;
      }
    }
    return value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  }
  return value;
}

/** Parses durations such as "500ms", "10s", "5m", "1h", "90d" into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "ms" | "s" | "m" | "h" | "d"];
  return n * unit;
}

// In-process harness: the real app (createApp) on a real SQLite database, driven through app.handle.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { createApp } from "../../src/app.ts";
import { ConfigSchema, type Config } from "../../src/config/schema.ts";
import { ScimService } from "../../src/core/service.ts";
import { generateSecret, hashSecret } from "../../src/core/tokens.ts";
import { createLogger, type Logger } from "../../src/log/logger.ts";
import { serviceOptions } from "../../src/service-options.ts";
import { openStorage, type Storage } from "../../src/storage/open-storage.ts";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

export interface TestApp {
  app: ReturnType<typeof createApp>;
  storage: Storage;
  service: ScimService;
  config: Config;
  token: string;
  /** Log lines written by the app, for assertions (warnings, secrets never logged). */
  logs: string[];
  /** Sends a request with the token (unless `auth: null`), JSON-encoding `body` unless it is a string. */
  request(method: string, path: string, body?: unknown, opts?: { headers?: Record<string, string>; auth?: string | null }): Promise<Response>;
  /** Same, returning status and parsed JSON body (or null). */
  json(method: string, path: string, body?: unknown, opts?: { headers?: Record<string, string>; auth?: string | null }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): void;
}

export function testConfig(overrides: DeepPartial<Config> = {}, dbPath = ":memory:"): Config {
  const base = Value.Default(ConfigSchema, {}) as Config;
  const merged = structuredClone(base) as any;
  for (const [section, values] of Object.entries(overrides)) Object.assign(merged[section], values);
  merged.storage.path = dbPath;
  return merged as Config;
}

/** A fresh app on its own database file (in a temp dir, deleted on close) with one SCIM token. */
export async function createTestApp(overrides: DeepPartial<Config> = {}, opts: { clock?: () => Date; storage?: Parameters<typeof openStorage>[1] } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), "scimd-test-"));
  const config = testConfig(overrides, join(dir, "scimd.db"));
  const storage = openStorage(config.storage.path, opts.storage);
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: "debug", write: (l) => logs.push(l) });
  const service = new ScimService({ repo: storage.repo, options: serviceOptions(config), logger, clock: opts.clock });
  await service.ensureDefaultGroup();
  const token = generateSecret();
  await storage.tokens.create("test", hashSecret(token), "scim", new Date().toISOString(), null);
  const app = createApp({ config, service, tokens: storage.tokens, repo: storage.repo, logger, ready: storage.ready, clock: opts.clock });
  const request: TestApp["request"] = (method, path, body, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const auth = o.auth === undefined ? token : o.auth;
    if (auth !== null) headers.authorization ??= `Bearer ${auth}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      headers["content-type"] ??= "application/scim+json";
    }
    return app.handle(new Request(`http://localhost${path}`, { method, headers, body: payload }));
  };
  return {
    app,
    storage,
    service,
    config,
    token,
    logs,
    request,
    async json(method, path, body, o) {
      const res = await request(method, path, body, o);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    close() {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

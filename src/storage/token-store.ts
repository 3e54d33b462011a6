import type { Database } from "bun:sqlite";
import { count, eq } from "drizzle-orm";
import type { TokenRecord, TokenScope, TokenStore } from "../core/repository.ts";
import { UniqueViolation } from "../core/repository.ts";
import type { Drizzle } from "./db.ts";
import type { ReadConnections } from "./read-connections.ts";
import { insertEvent } from "./repository.ts";
import { tokens } from "./schema.ts";

const columns = {
  id: tokens.id,
  name: tokens.name,
  scope: tokens.scope,
  createdAt: tokens.createdAt,
  lastUsedAt: tokens.lastUsedAt,
  expiresAt: tokens.expiresAt,
};

type Exclusive = <T>(fn: () => T | Promise<T>) => Promise<T>;

/**
 * The lookup by hash on the connection the repository's ReadConnections choose (the list on the read
 * connection); writes on the write connection, queued with the repository's writes.
 */
export class SqliteTokenStore implements TokenStore {
  constructor(
    private readonly writer: Database,
    private readonly d: Drizzle,
    private readonly w: Drizzle,
    private readonly exclusive: Exclusive,
    private readonly reads: ReadConnections,
  ) {}

  async create(name: string, hash: string, scope: TokenScope, createdAt: string, expiresAt: string | null): Promise<TokenRecord> {
    return this.exclusive(() => {
      try {
        // The write queue runs this in its own savepoint: the token and its event are kept together or not at all.
        const t = this.w.insert(tokens).values({ name, hash, scope, createdAt, expiresAt }).returning(columns).get();
        insertEvent(this.writer, { type: "token.created", time: createdAt, resourceType: "Token", resourceId: String(t.id), name, data: { scope, expiresAt } });
        return t;
      } catch (e) {
        if (e instanceof Error && /UNIQUE constraint failed/i.test(e.message)) throw new UniqueViolation("token name");
        throw e;
      }
    });
  }

  async list(): Promise<TokenRecord[]> {
    return this.d.select(columns).from(tokens).orderBy(tokens.id).all();
  }

  async revoke(name: string): Promise<boolean> {
    return this.exclusive(() => {
      const gone = this.w.delete(tokens).where(eq(tokens.name, name)).returning({ id: tokens.id, hash: tokens.hash }).get();
      if (!gone) return false;
      const time = new Date().toISOString();
      // Kept for good (events are pruned): a restore must never bring this token back.
      this.writer.query("INSERT OR IGNORE INTO revoked_tokens (hash, revoked_at) VALUES (?, ?)").run(gone.hash, time);
      insertEvent(this.writer, { type: "token.revoked", time, resourceType: "Token", resourceId: String(gone.id), name });
      return true;
    });
  }

  async discard(name: string): Promise<void> {
    await this.exclusive(() => {
      const gone = this.w.delete(tokens).where(eq(tokens.name, name)).returning({ id: tokens.id }).get();
      if (gone) this.writer.query("DELETE FROM events WHERE type = 'token.created' AND resource_id = ?").run(String(gone.id));
    });
  }

  /**
   * On every request. Answers are cached while SQLite's data_version is unchanged, i.e. while no connection
   * (this process's writer, or `scimd token revoke` in another process) has committed anything: a
   * revocation is seen by the very next request, and a read-heavy load skips the lookup.
   */
  async findByHash(hash: string): Promise<(TokenRecord & { hash: string }) | null> {
    const version = this.reads.current();
    if (version !== this.cacheVersion) {
      this.cache.clear();
      this.cacheVersion = version;
    }
    const hit = this.cache.get(hash);
    if (hit !== undefined) return hit;
    const found = (this.reads
      .query("SELECT id, name, scope, created_at AS createdAt, last_used_at AS lastUsedAt, expires_at AS expiresAt, hash FROM tokens WHERE hash = ?")
      .get(hash) ?? null) as (TokenRecord & { hash: string }) | null;
    // Misses are not cached: a flood of wrong tokens must not fill memory.
    if (found && this.cache.size < 1000) this.cache.set(hash, found);
    return found;
  }

  private readonly cache = new Map<string, TokenRecord & { hash: string }>();
  private cacheVersion = "";

  async touch(id: number, at: string): Promise<void> {
    await this.exclusive(() => this.w.update(tokens).set({ lastUsedAt: at }).where(eq(tokens.id, id)).run());
  }

  async count(): Promise<number> {
    return this.d.select({ n: count() }).from(tokens).get()?.n ?? 0;
  }
}

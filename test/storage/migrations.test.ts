// SQLite settings, the migration runner, upgrades in place and refusal of a newer database.
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashSecret } from "../../src/core/tokens.ts";
import { StorageError, isMigrated, migrateDatabase, migrationsFolder, openDatabase } from "../../src/storage/db.ts";
import { openStorage } from "../../src/storage/open-storage.ts";
import { run } from "../cli/cli-helpers.ts";
import { scratchDirs } from "../support/scratch-dirs.ts";

const tempDir = scratchDirs("migrations");

interface Journal {
  version: string;
  dialect: string;
  entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
}
const realJournal = (): Journal => JSON.parse(readFileSync(join(migrationsFolder(), "meta/_journal.json"), "utf8"));

/** A copy of drizzle/ keeping the first `keep` migrations, plus `extra` synthetic ones after them. */
function migrationsCopy(opts: { keep?: number; extra?: { tag: string; sql: string }[] } = {}): string {
  const folder = join(tempDir(), "drizzle");
  cpSync(migrationsFolder(), folder, { recursive: true });
  const journal = realJournal();
  journal.entries = journal.entries.slice(0, opts.keep ?? journal.entries.length);
  let when = Math.max(...realJournal().entries.map((e) => e.when));
  for (const m of opts.extra ?? []) {
    when += 1000;
    writeFileSync(join(folder, `${m.tag}.sql`), m.sql);
    journal.entries.push({ idx: journal.entries.length, version: "6", when, tag: m.tag, breakpoints: true });
  }
  writeFileSync(join(folder, "meta/_journal.json"), JSON.stringify(journal, null, 2));
  return folder;
}

const pragma = (db: Database, name: string) => Object.values(db.query(`PRAGMA ${name}`).get() as Record<string, unknown>)[0];
const tables = (db: Database) => (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
const appliedCount = (db: Database) => (db.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;

describe("connection settings", () => {
  const expected: [string, unknown][] = [
    ["journal_mode", "wal"],
    ["foreign_keys", 1],
    ["busy_timeout", 5000],
  ];

  test("openDatabase turns on WAL, busy_timeout and foreign keys", () => {
    const db = openDatabase(join(tempDir(), "a.db"));
    try {
      for (const [name, value] of expected) expect([name, pragma(db, name)]).toEqual([name, value]);
    } finally {
      db.close();
    }
  });

  test("busy_timeout is at least a second", () => {
    const db = openDatabase(join(tempDir(), "b.db"));
    try {
      expect(Number(pragma(db, "busy_timeout"))).toBeGreaterThanOrEqual(1000);
    } finally {
      db.close();
    }
  });

  test("both of openStorage's connections have the settings", () => {
    const storage = openStorage(join(tempDir(), "c.db"));
    try {
      const repo = storage.repo as unknown as { writer: Database; raw: Database };
      for (const db of [repo.writer, repo.raw]) {
        expect(db).toBeInstanceOf(Database);
        for (const [name, value] of expected) expect([name, pragma(db, name)]).toEqual([name, value]);
      }
    } finally {
      storage.close();
    }
  });

  test("the file stays in WAL mode for any later connection", () => {
    const path = join(tempDir(), "d.db");
    openStorage(path).close();
    const plain = new Database(path);
    try {
      expect(pragma(plain, "journal_mode")).toBe("wal");
    } finally {
      plain.close();
    }
  });

  test("foreign keys are enforced on the storage connection", () => {
    const storage = openStorage(join(tempDir(), "e.db"));
    try {
      const writer = (storage.repo as unknown as { writer: Database }).writer;
      writer.exec("CREATE TEMP TABLE fk_parent (id TEXT PRIMARY KEY); CREATE TEMP TABLE fk_child (parent TEXT REFERENCES fk_parent(id));");
      expect(() => writer.exec("INSERT INTO fk_child (parent) VALUES ('nowhere')")).toThrow(/FOREIGN KEY constraint failed/);
    } finally {
      storage.close();
    }
  });
});

describe("migrations", () => {
  test("openStorage applies every migration to a new database", () => {
    const path = join(tempDir(), "new.db");
    const storage = openStorage(path);
    try {
      expect(storage.ready()).toBe(true);
    } finally {
      storage.close();
    }
    const db = new Database(path);
    try {
      expect(appliedCount(db)).toBe(realJournal().entries.length);
      expect(tables(db)).toContain("tokens");
      expect(isMigrated(db)).toBe(true);
    } finally {
      db.close();
    }
  });

  test("migrateDatabase reports what it applied and is idempotent", () => {
    const db = openDatabase(join(tempDir(), "idem.db"));
    try {
      expect(migrateDatabase(db)).toEqual({ applied: realJournal().entries.length });
      const schema = db.query("SELECT sql FROM sqlite_master ORDER BY name").all();
      expect(migrateDatabase(db)).toEqual({ applied: 0 });
      expect(migrateDatabase(db)).toEqual({ applied: 0 });
      expect(db.query("SELECT sql FROM sqlite_master ORDER BY name").all()).toEqual(schema);
      expect(appliedCount(db)).toBe(realJournal().entries.length);
    } finally {
      db.close();
    }
  });

  test("a database from an older version is upgraded in place, keeping its data", () => {
    const older = migrationsCopy({ keep: 1 });
    const newer = migrationsCopy({
      extra: [
        { tag: "9001_probe", sql: "CREATE TABLE `upgrade_probe` (`id` integer PRIMARY KEY NOT NULL, `note` text);" },
        { tag: "9002_probe_seed", sql: "INSERT INTO `upgrade_probe` (`note`) VALUES ('seeded');" },
      ],
    });
    const path = join(tempDir(), "old.db");
    const db = openDatabase(path);
    try {
      expect(migrateDatabase(db, older)).toEqual({ applied: 1 });
      db.run("INSERT INTO tokens (name, hash, scope, created_at) VALUES ('kept', ?, 'scim', '2020-01-01T00:00:00.000Z')", [hashSecret("s")]);
      expect(isMigrated(db, newer)).toBe(false);

      const total = realJournal().entries.length + 2;
      expect(migrateDatabase(db, newer)).toEqual({ applied: total - 1 });
      expect(isMigrated(db, newer)).toBe(true);
      expect(db.query("SELECT note FROM upgrade_probe").all()).toEqual([{ note: "seeded" }]);
      expect(db.query("SELECT name FROM tokens").all()).toEqual([{ name: "kept" }]);

      // Idempotent: the seed is not inserted twice, nothing is re-applied.
      expect(migrateDatabase(db, newer)).toEqual({ applied: 0 });
      expect(db.query("SELECT count(*) AS n FROM upgrade_probe").get()).toEqual({ n: 1 });
      expect(appliedCount(db)).toBe(total);
    } finally {
      db.close();
    }
  });

  test("the repository's migrations bring a first-migration database up to date", () => {
    const older = migrationsCopy({ keep: 1 });
    const db = openDatabase(join(tempDir(), "first.db"));
    try {
      migrateDatabase(db, older);
      expect(migrateDatabase(db)).toEqual({ applied: realJournal().entries.length - 1 });
      expect(isMigrated(db)).toBe(true);
      expect(migrateDatabase(db)).toEqual({ applied: 0 });
    } finally {
      db.close();
    }
  });

  test("0001 removes passwords that an earlier version stored from a PATCH, and nothing else", () => {
    const older = migrationsCopy({ keep: 1 });
    const db = openDatabase(join(tempDir(), "passwords.db"));
    try {
      migrateDatabase(db, older);
      const insert = db.query("INSERT INTO scim_users (id, user_name, user_name_folded, data, version, created, last_modified) VALUES (?, ?, ?, ?, 1, 'x', 'x')");
      insert.run("u1", "a", "a", JSON.stringify({ schemas: ["s"], userName: "a", password: "pw3", title: "T" }));
      insert.run("u2", "b", "b", JSON.stringify({ schemas: ["s"], userName: "b", title: "password" }));
      migrateDatabase(db, migrationsCopy({ keep: 2 }));
      const data = (db.query("SELECT data FROM scim_users ORDER BY id").all() as { data: string }[]).map((r) => JSON.parse(r.data));
      expect(data).toEqual([
        { schemas: ["s"], userName: "a", title: "T" },
        { schemas: ["s"], userName: "b", title: "password" },
      ]);
    } finally {
      db.close();
    }
  });

  test("0003 gives users created without active the value of their directory record (true when none), with a new version", () => {
    const older = migrationsCopy({ keep: 3 });
    const db = openDatabase(join(tempDir(), "active.db"));
    try {
      migrateDatabase(db, older);
      const user = db.query("INSERT INTO scim_users (id, user_name, user_name_folded, active, data, version, created, last_modified) VALUES (?, ?, ?, ?, ?, 1, 'x', 'x')");
      const record = db.query("INSERT INTO directory_users (scim_id, username, username_folded, active, deleted, created_at, updated_at) VALUES (?, ?, ?, ?, 0, 'x', 'x')");
      const U = "urn:ietf:params:scim:schemas:core:2.0:User";
      user.run("u1", "a", "a", null, JSON.stringify({ schemas: [U], userName: "a", title: "Émilie" }));
      record.run("u1", "a", "a", 1);
      user.run("u2", "b", "b", null, JSON.stringify({ schemas: [U], userName: "b" }));
      record.run("u2", "b", "b", 0);
      user.run("u3", "c", "c", null, JSON.stringify({ schemas: [U], userName: "c" })); // no record
      user.run("u4", "d", "d", 0, JSON.stringify({ schemas: [U], userName: "d", active: false }));
      migrateDatabase(db);
      const rows = db.query("SELECT id, active, data, version FROM scim_users ORDER BY id").all() as { id: string; active: number; data: string; version: number }[];
      expect(rows.map((r) => [r.id, r.active, JSON.parse(r.data).active, r.version])).toEqual([
        ["u1", 1, true, 2],
        ["u2", 0, false, 2],
        ["u3", 1, true, 2],
        ["u4", 0, false, 1],
      ]);
      // The stored text still begins with schemas (the response splicing relies on it) and keeps the rest.
      expect(rows[0]!.data.startsWith('{"schemas":[')).toBe(true);
      expect(JSON.parse(rows[0]!.data)).toEqual({ schemas: [U], userName: "a", title: "Émilie", active: true });
    } finally {
      db.close();
    }
  });

  test("a failing migration is rolled back and the database keeps working", () => {
    const broken = migrationsCopy({ extra: [{ tag: "9001_broken", sql: "CREATE TABLE `half` (`id` integer);\n--> statement-breakpoint\nTHIS IS NOT SQL;" }] });
    const db = openDatabase(join(tempDir(), "broken.db"));
    try {
      migrateDatabase(db);
      expect(() => migrateDatabase(db, broken)).toThrow();
      expect(tables(db)).not.toContain("half");
      expect(appliedCount(db)).toBe(realJournal().entries.length);
      expect(migrateDatabase(db)).toEqual({ applied: 0 });
    } finally {
      db.close();
    }
  });
});

/**
 * The database at `path`, as a database migrateDatabase refuses: its error's message (a StorageError of one
 * sentence), checked to have changed neither the migration history nor the tables.
 */
function refusalOf(path: string): string {
  const db = openDatabase(path);
  try {
    const before = appliedCount(db);
    const tables = db.query("SELECT count(*) AS n FROM sqlite_master").get();
    let error: unknown;
    try {
      migrateDatabase(db);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(/\.$/);
    expect(appliedCount(db)).toBe(before);
    expect(db.query("SELECT count(*) AS n FROM sqlite_master").get()).toEqual(tables);
    return message;
  } finally {
    db.close();
  }
}

describe("a database made by a newer scimd is refused", () => {
  const FUTURE = Date.now() + 100 * 365 * 86_400_000;

  function newerDatabase(): string {
    const path = join(tempDir(), "newer.db");
    openStorage(path).close();
    const db = new Database(path);
    db.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-the-future', ?)", [FUTURE]);
    db.close();
    return path;
  }

  test("migrateDatabase throws a StorageError with one sentence, and changes nothing", () => {
    expect(refusalOf(newerDatabase())).toContain("newer version");
  });

  test("openStorage refuses it", () => {
    const path = newerDatabase();
    expect(() => openStorage(path)).toThrow(StorageError);
  });

  const commands = [["migrate"], ["token", "list"], ["token", "create", "--name", "x"], ["token", "revoke", "x"]];
  for (const argv of commands) {
    test(`scimd ${argv.join(" ")} exits 1 with one sentence`, async () => {
      const path = newerDatabase();
      const config = join(tempDir(), "c.toml");
      writeFileSync(config, `[storage]\npath = ${JSON.stringify(path)}\n`);
      const r = await run([...argv, "--config", config]);
      expect(r.code).toBe(1);
      const err = r.err.filter(Boolean);
      expect(err).toHaveLength(1);
      expect(err[0]).toMatch(/^scimd: .*newer version.*\.$/);
      expect(err[0]).not.toContain("    at ");
      expect(r.out.join("\n")).not.toMatch(/scimd_[A-Za-z0-9_-]{20,}/);
    });
  }
});

describe("a database from a development build whose migration history this version does not know is refused", () => {
  // The first migration was rewritten twice before the first release; a database made in between had a
  // migration row this binary has never heard of, and drizzle ran the first migration again over its tables.
  function devDatabase(): string {
    const path = join(tempDir(), "dev.db");
    openStorage(path).close();
    const db = new Database(path);
    db.run("UPDATE __drizzle_migrations SET created_at = created_at - 451000 WHERE created_at = (SELECT min(created_at) FROM __drizzle_migrations)");
    db.close();
    return path;
  }

  test("migrateDatabase and openStorage throw one sentence saying what to do, and change nothing", () => {
    const path = devDatabase();
    const message = refusalOf(path);
    expect(message).toContain("early development build");
    expect(message).toContain("scimd users export");
    expect(message).not.toContain("CREATE TABLE");
    expect(() => openStorage(path)).toThrow(/early development build/);
  });
});

describe("another application's SQLite database at [storage] path", () => {
  const foreignDatabase = () => {
    const path = join(tempDir(), "theirs.db");
    const db = new Database(path);
    db.run("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    db.run("INSERT INTO invoices (total) VALUES (9.5)");
    db.close();
    return path;
  };
  const tables = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    } finally {
      db.close();
    }
  };

  for (const argv of [["migrate"], ["token", "create", "--name", "x"]]) {
    test(`scimd ${argv.join(" ")} refuses it in one sentence and adds no table to it`, async () => {
      const path = foreignDatabase();
      const config = join(tempDir(), "c.toml");
      writeFileSync(config, `[storage]\npath = ${JSON.stringify(path)}\n`);
      const r = await run([...argv, "--config", config]);
      expect(r.code).toBe(1);
      expect(r.err.filter(Boolean)).toEqual([`scimd: ${path} is not a scimd database (it has tables of its own, such as "invoices", and no scimd migrations); give [storage] path a new file.`]);
      expect(tables(path)).toEqual(["invoices"]);
    });
  }

  test("an empty SQLite file is still taken and migrated", () => {
    const path = join(tempDir(), "empty.db");
    new Database(path).close();
    const db = openDatabase(path);
    try {
      expect(migrateDatabase(db).applied).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});

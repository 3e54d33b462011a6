import type { Database, Statement } from "bun:sqlite";
import { and, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type {
  DeadLetter,
  WebhookCursor,
  EventQuery,
  EventRecord,
  FailureRecord,
  NewEvent,
  NewFailure,
  DirectoryChange,
  DirectoryFields,
  DirectoryRecord,
  ListQuery,
  ListResult,
  MemberRef,
  Reader,
  Repository,
  ResourceKind,
  StoredResource,
  WriteTx,
} from "../core/repository.ts";
import { ServiceUnavailableError } from "../core/errors.ts";
import { UniqueViolation } from "../core/repository.ts";
import { GROUP, USER } from "../core/schema/registry.ts";
import type { ScimResource } from "../core/resource/types.ts";
import { toDrizzle, type Drizzle } from "./db.ts";
import { compileFilter, compileSort, joinBalanced } from "./filter-to-sql.ts";
import { directoryUsers, groupMembers, requestFailures, scimGroups, scimUsers, webhookCursors, webhookDead } from "./schema.ts";
import { GROUP_TARGET, USER_TARGET } from "./sql-targets.ts";
import { ReadConnections } from "./read-connections.ts";
import { MAX_QUEUED, mayReadATable, ReadThread, ReadThreadBusy, ReadThreadUnavailable, type ThreadStatement } from "./read-thread.ts";
import { WriteQueue } from "./write-queue.ts";

const fold = (s: string) => s.toLowerCase();


/**
 * A stored row as a StoredResource whose `data` is parsed on first use: a GET without attributes is spliced
 * from `text` (the stored JSON) and never needs the parsed object. `text` is not enumerable, so a
 * StoredResource read back compares equal to the one written.
 */
function toStored(row: { id: string; data: string; version: number; created: string; lastModified: string }): StoredResource {
  const s = { id: row.id, version: row.version, created: row.created, lastModified: row.lastModified } as { -readonly [K in keyof StoredResource]: StoredResource[K] };
  let data: ScimResource | undefined;
  Object.defineProperty(s, "data", {
    enumerable: true,
    configurable: true,
    get: () => (data ??= JSON.parse(row.data) as ScimResource),
    set: (v: ScimResource) => (data = v),
  });
  Object.defineProperty(s, "text", { value: row.data, enumerable: false });
  return s;
}

/** The DirectoryRecord columns: never the storage-only username_folded. */
const { usernameFolded: _folded, ...directoryColumns } = getTableColumns(directoryUsers);

/** Rows one pruning transaction deletes at most (a few milliseconds of the event loop). */
const PRUNE_BATCH = 2_000;

/** The newest event still in the log (0 when none is). */
const LAST_SEQ = "SELECT coalesce(max(seq), 0) AS n FROM events";

/** DirectoryRecord keys to their columns (the only names ever put into SQL text by updateDirectory). */
const DIRECTORY_COLUMNS = {
  scimId: "scim_id",
  username: "username",
  active: "active",
  description: "description",
  profession: "profession",
  email: "email",
  firstName: "first_name",
  lastName: "last_name",
  phone: "phone",
  mobile: "mobile",
  employeeCode: "employee_code",
  department: "department",
  company: "company",
  site: "site",
  deleted: "deleted",
} as const;

const DIRECTORY_SELECT = [
  "id",
  ...Object.entries(DIRECTORY_COLUMNS).map(([key, column]) => `${column} AS ${key}`),
  "created_at AS createdAt",
  "updated_at AS updatedAt",
].join(", ");

type DirectoryRow = Omit<DirectoryRecord, "active" | "deleted"> & { active: number; deleted: number };

function toDirectory(row: DirectoryRow | null): DirectoryRecord | null {
  return row ? { ...row, active: row.active === 1, deleted: row.deleted === 1 } : null;
}

function activeOf(data: ScimResource): number | null {
  return typeof data.active === "boolean" ? (data.active ? 1 : 0) : null;
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

/** Work emails and every other email value, folded, for the `emails.value` index. */
function emailValues(data: ScimResource): string[] {
  const emails = data.emails;
  if (!Array.isArray(emails)) return [];
  const out = new Set<string>();
  for (const e of emails) {
    const v = (e as { value?: unknown } | null)?.value;
    if (typeof v === "string") out.add(fold(v));
  }
  return [...out];
}

/** A page bound written into SQL text: only a non-negative safe integer ever gets there. */
function sqlInteger(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a page bound: ${n}`);
  return n;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Rows changed by a drizzle `run()` (bun:sqlite returns them; drizzle's types say void). */
function changes(result: unknown): number {
  return (result as { changes?: number } | undefined)?.changes ?? 0;
}

function isUniqueError(e: unknown): boolean {
  return e instanceof Error && /UNIQUE constraint failed/i.test(e.message);
}

/** Reads shared by the read connection and the write transaction. */
class SqliteReader implements Reader {
  /** Where reads run, and the database version the caches are keyed on; shared with the token store. */
  readonly reads: ReadConnections;

  constructor(
    readonly d: Drizzle,
    protected readonly raw: Database,
    reads?: ReadConnections,
  ) {
    this.reads = reads ?? new ReadConnections(raw, null);
  }

  /** A cached prepared statement for a read, on the connection and in the snapshot `reads` chooses. */
  protected q(sqlText: string): Statement {
    return this.reads.query(sqlText);
  }

  // Hot paths use bun:sqlite's cached prepared statements directly: building the query with Drizzle on
  // every call cost more than running it (about 50 µs against 5 µs per lookup).
  async get(kind: ResourceKind, id: string): Promise<StoredResource | null> {
    const table = kind === "User" ? "scim_users" : "scim_groups";
    const row = this
      .q(`SELECT id, data, version, created, last_modified AS lastModified FROM ${table} WHERE id = ?`)
      .get(id) as { id: string; data: string; version: number; created: string; lastModified: string } | null;
    return row ? toStored(row) : null;
  }

  async findIdByName(kind: ResourceKind, name: string): Promise<string | null> {
    const sqlText = kind === "User" ? "SELECT id FROM scim_users WHERE user_name_folded = ?" : "SELECT id FROM scim_groups WHERE display_name_folded = ?";
    const row = this.q(sqlText).get(fold(name)) as { id: string } | null;
    return row?.id ?? null;
  }

  /**
   * Paging through a large directory page by page (Okta's import, `count=100` loops) would cost a count and
   * an OFFSET scan per page, growing with the position. While nothing has been committed in between
   * (SQLite's data_version is unchanged), the total is reused and the next page seeks from the last rowid of
   * the previous one instead of skipping rows.
   */
  private readonly listCache = new Map<string, { version: string; total?: number; lastRowid?: number }>();

  private remember(key: string, version: string, value: { total?: number; lastRowid?: number }): void {
    if (this.listCache.size >= 1024) this.listCache.clear();
    this.listCache.set(key, { version, ...value });
  }

  async list(kind: ResourceKind, q: ListQuery): Promise<ListResult> {
    const rs = kind === "User" ? USER : GROUP;
    const target = kind === "User" ? USER_TARGET : GROUP_TARGET;
    const a = target.alias;
    const from = `${target.table} AS ${a}`;
    const where = q.filter ? compileFilter(q.filter, rs, target) : { sql: "1", params: [] };
    const version = this.reads.current();
    const queryKey = `${kind}\u0000${where.sql}\u0000${JSON.stringify(where.params)}`;
    const countKey = `${queryKey}\u0000count`;
    const count: ThreadStatement = { sql: `SELECT count(*) AS n FROM ${from} WHERE ${where.sql}`, params: where.params };
    const cached = this.listCache.get(countKey);
    const cachedTotal = cached?.version === version ? cached.total : undefined;
    if (q.count <= 0) {
      if (cachedTotal !== undefined) return { totalResults: cachedTotal, resources: [] };
      const total = ((await this.read(count, 1)).page[0] as { n: number }).n;
      this.remember(countKey, version, { total });
      return { totalResults: total, resources: [] };
    }
    const columns = `${a}.id AS id, ${a}.data AS data, ${a}.version AS version, ${a}.created AS created, ${a}.last_modified AS lastModified, ${a}.rowid AS rowid`;
    type Row = { id: string; data: string; version: number; created: string; lastModified: string; rowid: number };
    // LIMIT and OFFSET are written into the SQL as integers: bound as parameters they made SQLite's lookup of
    // one user by userName five times slower (10 µs against 2 µs). They are whole numbers checked here.
    const limit = sqlInteger(q.count);
    const offset = sqlInteger(Math.max(0, q.startIndex - 1));
    const pageClause = offset > 0 ? `LIMIT ${limit} OFFSET ${offset}` : `LIMIT ${limit}`;
    let page: ThreadStatement;
    // Paging through everything, unsorted, from the start or from where the last page ended: LIMIT bounds it.
    let bounded = false;
    if (q.sortBy) {
      // A stable order (the sort key, then the rowid) so that paging returns each resource exactly once.
      const order = `${compileSort(q.sortBy, q.sortOrder ?? "ascending", rs, target)}, ${a}.rowid`;
      page = { sql: `SELECT ${columns} FROM ${from} WHERE ${where.sql} ORDER BY ${order} ${pageClause}`, params: where.params };
    } else {
      const seek = this.listCache.get(`${queryKey}\u0000at\u0000${q.startIndex}`);
      const lastRowid = seek?.version === version ? seek.lastRowid : undefined;
      bounded = !q.filter && (offset === 0 || lastRowid !== undefined);
      page =
        lastRowid !== undefined
          ? { sql: `SELECT ${columns} FROM ${from} WHERE (${where.sql}) AND ${a}.rowid > ? ORDER BY ${a}.rowid LIMIT ${limit}`, params: [...where.params, lastRowid] }
          : { sql: `SELECT ${columns} FROM ${from} WHERE ${where.sql} ORDER BY ${a}.rowid ${pageClause}`, params: where.params };
    }
    // A first page that is not full holds every match (Entra's lookups by userName or externalId): no count.
    const firstPage = q.startIndex <= 1;
    const result = await this.read(page, q.count, { statement: count, when: firstPage ? "whenFull" : "always", cached: cachedTotal }, bounded);
    const rows = result.page as Row[];
    if (!q.sortBy && rows.length === q.count) this.remember(`${queryKey}\u0000at\u0000${q.startIndex + q.count}`, version, { lastRowid: rows[rows.length - 1]!.rowid });
    if (result.total !== undefined) this.remember(countKey, version, { total: result.total });
    const total = firstPage && rows.length < q.count ? rows.length : result.total!;
    return { totalResults: total, resources: rows.map(toStored) };
  }

  /** The read thread, when this reader may use it (never inside a write transaction: it sees only committed data). */
  protected readThread: ReadThread | undefined;
  /**
   * Per page query's SQL text, whether its plan may read a whole table (bounded, emptied when full). The plan
   * does not depend on the parameters' values: filters compare with instr/substr (no LIKE optimisation), LIMIT
   * and OFFSET are in the text, and SQLite is built without STAT4.
   */
  private readonly costly = new Map<string, boolean>();

  /**
   * A page query and, when given, its count (always, or when the page is full) in one snapshot: on the read
   * thread when the page's plan may read a whole table and the page is not `bounded` by its LIMIT, else here.
   * A `cached` total (read under the version of this turn) is used here only: the thread's snapshot may be newer
   * than that version (writes commit while a query waits for it), so it counts in its own snapshot.
   */
  private async read(
    page: ThreadStatement,
    limit: number,
    countOf?: { readonly statement: ThreadStatement; readonly when: "always" | "whenFull"; readonly cached?: number },
    bounded = false,
  ): Promise<{ page: unknown[]; total?: number }> {
    const count = countOf?.statement;
    const countWhen = countOf?.when ?? "always";
    const thread = this.readThread;
    let waited = false;
    if (thread?.available && !bounded) {
      let costly = this.costly.get(page.sql);
      if (costly === undefined) {
        costly = mayReadATable(this.reads.db(), page.sql, page.params);
        if (this.costly.size >= 1024) this.costly.clear();
        this.costly.set(page.sql, costly);
      }
      if (costly) {
        try {
          return await thread.run({ page, limit, count, countWhen });
        } catch (e) {
          if (e instanceof ReadThreadBusy)
            throw new ServiceUnavailableError(
              `The server is already running ${MAX_QUEUED} costly queries (filters no index answers, sorts, counts), so this one was refused; retry it later, or filter by userName, externalId, id or an email address.`,
              { retryAfterSeconds: 5 },
            );
          if (!(e instanceof ReadThreadUnavailable)) throw e;
          // Closed by a shutdown past its drain time: not run here, where it would hold the stopping server.
          if (e.reason === "closed") throw new ServiceUnavailableError("The server is stopping, so this query was abandoned; retry it.");
          // The thread died: the query runs here, in a later snapshot than the cached total's.
          waited = true;
        }
      }
    }
    const rows = this.q(page.sql).all(...page.params);
    if (countOf?.cached !== undefined && !waited) return { page: rows, total: countOf.cached };
    const total = count && (countWhen === "always" || rows.length >= limit) ? (this.q(count.sql).get(...count.params) as { n: number }).n : undefined;
    return { page: rows, total };
  }

  async existing(ids: readonly string[]): Promise<Map<string, MemberRef>> {
    const out = new Map<string, MemberRef>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const chunk = unique.slice(i, i + 500);
      for (const r of this.d.select({ id: scimUsers.id, name: scimUsers.userName }).from(scimUsers).where(inArray(scimUsers.id, chunk)).all())
        out.set(r.id, { id: r.id, type: "User", display: r.name });
      for (const r of this.d.select({ id: scimGroups.id, name: scimGroups.displayName }).from(scimGroups).where(inArray(scimGroups.id, chunk)).all())
        out.set(r.id, { id: r.id, type: "Group", display: r.name });
    }
    return out;
  }

  async members(groupId: string): Promise<MemberRef[]> {
    const rows = this
      .q(
        `SELECT m.member_id AS id, m.member_type AS type, coalesce(u.user_name, g.display_name) AS display
         FROM group_members m
         LEFT JOIN scim_users u ON m.member_type = 'User' AND u.id = m.member_id
         LEFT JOIN scim_groups g ON m.member_type = 'Group' AND g.id = m.member_id
         WHERE m.group_id = ? ORDER BY m.rowid`,
      )
      .all(groupId) as { id: string; type: ResourceKind; display: string | null }[];
    return rows.map((r) => ({ id: r.id, type: r.type, ...(r.display !== null ? { display: r.display } : {}) }));
  }

  async membersJson(groupId: string, baseUrl: string): Promise<string> {
    const row = this
      .q(
        `SELECT json_group_array(json(CASE WHEN display IS NULL
           THEN json_object('value', id, '$ref', ? || (CASE type WHEN 'User' THEN '/Users/' ELSE '/Groups/' END) || id, 'type', type)
           ELSE json_object('value', id, '$ref', ? || (CASE type WHEN 'User' THEN '/Users/' ELSE '/Groups/' END) || id, 'type', type, 'display', display)
         END)) AS members
         FROM (SELECT m.member_id AS id, m.member_type AS type, coalesce(u.user_name, g.display_name) AS display
               FROM group_members m
               LEFT JOIN scim_users u ON m.member_type = 'User' AND u.id = m.member_id
               LEFT JOIN scim_groups g ON m.member_type = 'Group' AND g.id = m.member_id
               WHERE m.group_id = ? ORDER BY m.rowid)`,
      )
      .get(baseUrl, baseUrl, groupId) as { members: string };
    return row.members;
  }

  async memberCount(groupId: string): Promise<number> {
    return (this.q("SELECT count(*) AS n FROM group_members WHERE group_id = ?").get(groupId) as { n: number }).n;
  }

  async ancestorsOf(memberId: string): Promise<Set<string>> {
    // Upward from the member through its groups (the member_id index; a group has few ancestors, while walking
    // down would read every member row of each nested group). UNION visits each group once, so an existing
    // cycle cannot make this loop.
    const rows = this.q(
      `WITH RECURSIVE up(id) AS (
         SELECT group_id FROM group_members WHERE member_id = ?
         UNION
         SELECT m.group_id FROM group_members m JOIN up ON m.member_id = up.id
       )
       SELECT id FROM up`,
    ).all(memberId) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  async groupsOf(memberId: string): Promise<MemberRef[]> {
    const rows = this
      .q(
        `SELECT g.id AS id, g.display_name AS display FROM group_members m JOIN scim_groups g ON g.id = m.group_id
         WHERE m.member_id = ? ORDER BY g.display_name_folded`,
      )
      .all(memberId) as { id: string; display: string }[];
    return rows.map((r) => ({ id: r.id, type: "Group", display: r.display }));
  }

  async directoryByUsername(username: string): Promise<DirectoryRecord | null> {
    return toDirectory(this.q(`SELECT ${DIRECTORY_SELECT} FROM directory_users WHERE username_folded = ?`).get(fold(username)) as DirectoryRow | null);
  }

  async directoryByScimId(scimId: string): Promise<DirectoryRecord | null> {
    return toDirectory(this.q(`SELECT ${DIRECTORY_SELECT} FROM directory_users WHERE scim_id = ?`).get(scimId) as DirectoryRow | null);
  }

  async setting(key: string): Promise<string | null> {
    return (this.q("SELECT value FROM settings WHERE key = ?").get(key) as { value: string } | null)?.value ?? null;
  }

  async countEvents(q: Omit<EventQuery, "limit">): Promise<number> {
    const { where, params } = eventWhere(q);
    return (this.q(`SELECT count(*) AS n FROM events WHERE ${where}`).get(...params) as { n: number }).n;
  }

  async events(q: EventQuery): Promise<EventRecord[]> {
    const { where, params } = eventWhere(q);
    const rows = this
      .q(
        `SELECT seq, time, type, token, request_id AS requestId, resource_type AS resourceType, resource_id AS resourceId, name, data
         FROM events WHERE ${where} ORDER BY seq LIMIT ?`,
      )
      .all(...params, q.limit) as (Omit<EventRecord, "data"> & { data: string | null })[];
    return rows.map((r) => ({ ...r, data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>) }));
  }

  async failures(q: { after?: number; limit: number }): Promise<FailureRecord[]> {
    return this.d
      .select()
      .from(requestFailures)
      .where(sql`${requestFailures.id} > ${q.after ?? 0}`)
      .orderBy(requestFailures.id)
      .limit(q.limit)
      .all();
  }
}


/** The WHERE clause of an event query: after a sequence number, by type patterns, by name. */
function eventWhere(q: Omit<EventQuery, "limit">): { where: string; params: (string | number)[] } {
  const where: string[] = ["seq > ?"];
  const params: (string | number)[] = [q.after ?? 0];
  if (q.through !== undefined) {
    where.push("seq <= ?");
    params.push(q.through);
  }
  if (q.types?.length) {
    // Exact types in one IN list, prefixes (`user.*`) one LIKE each, joined as a balanced tree: a chain of a
    // thousand ORs (a long ?type= list) went past SQLite's expression depth and failed.
    const distinct = [...new Set(q.types)];
    const exact = distinct.filter((t) => !t.endsWith("*"));
    const prefixes = distinct.filter((t) => t.endsWith("*"));
    const ors = [
      ...(exact.length ? [`type IN (${exact.map(() => "?").join(", ")})`] : []),
      ...prefixes.map(() => "type LIKE ? ESCAPE '\\'"),
    ];
    where.push(`(${joinBalanced(ors, "OR")})`);
    params.push(...exact, ...prefixes.map((t) => t.slice(0, -1).replace(/[\\%_]/g, (c) => "\\" + c) + "%"));
  }
  if (q.name !== undefined) {
    // A user's history includes the membership events in which it is the member, found by the member's id: the
    // member's display is its SCIM userName, which differs from the directory username after an ignored rename.
    where.push(
      `(lower(name) = ? OR (type LIKE 'group.member%' AND (lower(json_extract(data, '$.member.display')) = ?
        OR json_extract(data, '$.member.id') IN (SELECT resource_id FROM events WHERE type LIKE 'user.%' AND lower(name) = ?))))`,
    );
    params.push(q.name.toLowerCase(), q.name.toLowerCase(), q.name.toLowerCase());
  }
  return { where: where.join(" AND "), params };
}

/** Appends one event row on `db` (inside the caller's transaction) and returns its sequence number. */
export function insertEvent(db: Database, e: NewEvent): number {
  // run() and the last rowid (seq is the rowid): RETURNING makes SQLite buffer the row in a temporary table.
  const res = db
    .query("INSERT INTO events (time, type, token, request_id, resource_type, resource_id, name, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    .run(e.time, e.type, e.token ?? null, e.requestId ?? null, e.resourceType ?? null, e.resourceId ?? null, e.name ?? null, e.data ? JSON.stringify(e.data) : null);
  return Number(res.lastInsertRowid);
}

class SqliteWriteTx extends SqliteReader implements WriteTx {
  /** Inside the batch: everything runs on the write connection, in its transaction. */
  protected override q(sqlText: string): Statement {
    return this.raw.query(sqlText);
  }

  // The write paths use cached prepared statements (see SqliteReader): one create runs about ten of them.
  async appendEvent(e: NewEvent): Promise<number> {
    return insertEvent(this.raw, e);
  }

  async insert(kind: ResourceKind, r: StoredResource): Promise<void> {
    try {
      if (kind === "User") {
        const userName = String(r.data.userName);
        this
          .q(
            "INSERT INTO scim_users (id, user_name, user_name_folded, external_id, display_name, active, data, version, created, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          )
          .run(r.id, userName, fold(userName), str(r.data.externalId), str(r.data.displayName), activeOf(r.data), JSON.stringify(r.data), r.version, r.created, r.lastModified);
        this.writeEmails(r.id, emailValues(r.data), false);
      } else {
        const displayName = String(r.data.displayName);
        this
          .q(
            "INSERT INTO scim_groups (id, display_name, display_name_folded, external_id, data, version, created, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          )
          .run(r.id, displayName, fold(displayName), str(r.data.externalId), JSON.stringify(r.data), r.version, r.created, r.lastModified);
      }
    } catch (e) {
      if (isUniqueError(e)) throw new UniqueViolation(kind === "User" ? "userName" : "displayName");
      throw e;
    }
  }

  private writeEmails(id: string, values: readonly string[], replace = true): void {
    if (replace) this.q("DELETE FROM user_emails WHERE user_id = ?").run(id);
    const insert = this.q("INSERT INTO user_emails (user_id, value_folded) VALUES (?, ?)");
    for (const v of values) insert.run(id, v);
  }

  /**
   * From the addresses `before` (what the rows hold) to `after`: a changed address is updated in place. A
   * delete and an insert would also write the table's last page and the user_id index, two more random
   * pages at commit (35 against 25 WAL frames for eight users' address changes in one transaction).
   */
  private changeEmails(id: string, before: readonly string[], after: readonly string[]): void {
    const gone = before.filter((v) => !after.includes(v));
    const added = after.filter((v) => !before.includes(v));
    const both = Math.min(gone.length, added.length);
    const update = this.q("UPDATE user_emails SET value_folded = ? WHERE user_id = ? AND value_folded = ?");
    for (let i = 0; i < both; i++) update.run(added[i]!, id, gone[i]!);
    const remove = this.q("DELETE FROM user_emails WHERE user_id = ? AND value_folded = ?");
    for (const v of gone.slice(both)) remove.run(id, v);
    const insert = this.q("INSERT INTO user_emails (user_id, value_folded) VALUES (?, ?)");
    for (const v of added.slice(both)) insert.run(id, v);
  }

  async update(kind: ResourceKind, r: StoredResource, previous?: StoredResource): Promise<boolean> {
    try {
      if (kind === "User") {
        const userName = String(r.data.userName);
        const externalId = str(r.data.externalId);
        // Indexed columns are written only when they change: SQLite rewrites the index entries of every
        // indexed column named in SET, and each is a random page of the WAL at commit. Entra's updates
        // rarely touch userName, externalId or the email addresses.
        const keys = !previous || String(previous.data.userName) !== userName || str(previous.data.externalId) !== externalId;
        const res = keys
          ? this.q(
              "UPDATE scim_users SET user_name = ?, user_name_folded = ?, external_id = ?, display_name = ?, active = ?, data = ?, version = ?, last_modified = ? WHERE id = ?",
            ).run(userName, fold(userName), externalId, str(r.data.displayName), activeOf(r.data), JSON.stringify(r.data), r.version, r.lastModified, r.id)
          : this.q("UPDATE scim_users SET display_name = ?, active = ?, data = ?, version = ?, last_modified = ? WHERE id = ?").run(
              str(r.data.displayName), activeOf(r.data), JSON.stringify(r.data), r.version, r.lastModified, r.id,
            );
        if (res.changes === 0) return false;
        const emails = emailValues(r.data);
        if (!previous) this.writeEmails(r.id, emails);
        else {
          const before = emailValues(previous.data);
          if (!sameValues(emails, before)) this.changeEmails(r.id, before, emails);
        }
        return true;
      }
      const displayName = String(r.data.displayName);
      // As for users: the indexed columns only when they change (a membership's version bump on the default
      // group, at every user creation, changes neither).
      const named = !previous || String(previous.data.displayName) !== displayName || str(previous.data.externalId) !== str(r.data.externalId);
      const res = named
        ? this
            .q("UPDATE scim_groups SET display_name = ?, display_name_folded = ?, external_id = ?, data = ?, version = ?, last_modified = ? WHERE id = ?")
            .run(displayName, fold(displayName), str(r.data.externalId), JSON.stringify(r.data), r.version, r.lastModified, r.id)
        : this.q("UPDATE scim_groups SET data = ?, version = ?, last_modified = ? WHERE id = ?").run(JSON.stringify(r.data), r.version, r.lastModified, r.id);
      return res.changes > 0;
    } catch (e) {
      if (isUniqueError(e)) throw new UniqueViolation(kind === "User" ? "userName" : "displayName");
      throw e;
    }
  }

  async delete(kind: ResourceKind, id: string): Promise<boolean> {
    this.d.delete(groupMembers).where(eq(groupMembers.memberId, id)).run();
    const table = kind === "User" ? scimUsers : scimGroups;
    return changes(this.d.delete(table).where(eq(table.id, id)).run()) > 0;
  }

  async addMembers(groupId: string, members: readonly MemberRef[]): Promise<string[]> {
    const stmt = this.raw.prepare("INSERT OR IGNORE INTO group_members (group_id, member_id, member_type) VALUES (?, ?, ?)");
    const added: string[] = [];
    for (const m of members) if (stmt.run(groupId, m.id, m.type).changes > 0) added.push(m.id);
    return added;
  }

  async removeMembers(groupId: string, memberIds: readonly string[]): Promise<string[]> {
    const stmt = this.raw.prepare("DELETE FROM group_members WHERE group_id = ? AND member_id = ?");
    const removed: string[] = [];
    for (const id of memberIds) if (stmt.run(groupId, id).changes > 0) removed.push(id);
    return removed;
  }

  async removeAllMembers(groupId: string): Promise<string[]> {
    const rows = this.q("DELETE FROM group_members WHERE group_id = ? RETURNING member_id AS id").all(groupId) as { id: string }[];
    return rows.map((r) => r.id);
  }

  // Neither statement reads the row back (RETURNING): the record is what was written, and RETURNING more than
  // doubled the statement's cost (7.5 against 3.2 µs for the update of a PATCH).
  async insertDirectory(username: string, scimId: string, fields: DirectoryFields, at: string): Promise<DirectoryRecord> {
    try {
      const { lastInsertRowid } = this.q(
        `INSERT INTO directory_users (scim_id, username, username_folded, active, description, profession, email, first_name, last_name, phone, mobile, employee_code, department, company, site, deleted, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      ).run(
        scimId, username, fold(username), fields.active ? 1 : 0, fields.description, fields.profession, fields.email, fields.firstName, fields.lastName,
        fields.phone, fields.mobile, fields.employeeCode, fields.department, fields.company, fields.site, at, at,
      );
      return {
        id: Number(lastInsertRowid), scimId, username, active: fields.active, description: fields.description, profession: fields.profession, email: fields.email,
        firstName: fields.firstName, lastName: fields.lastName, phone: fields.phone, mobile: fields.mobile, employeeCode: fields.employeeCode,
        department: fields.department, company: fields.company, site: fields.site, deleted: false, createdAt: at, updatedAt: at,
      };
    } catch (e) {
      if (isUniqueError(e)) throw new UniqueViolation("userName");
      throw e;
    }
  }

  async updateDirectory(record: DirectoryRecord, change: DirectoryChange, at: string): Promise<DirectoryRecord> {
    const sets: string[] = ["updated_at = ?"];
    const params: (string | number | null)[] = [at];
    const next: Record<string, unknown> = { ...record, updatedAt: at };
    for (const key in change) {
      const value = change[key as keyof DirectoryChange];
      const column = DIRECTORY_COLUMNS[key as keyof typeof DIRECTORY_COLUMNS];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(typeof value === "boolean" ? (value ? 1 : 0) : value);
      next[key] = value;
      if (key === "username") {
        sets.push("username_folded = ?");
        params.push(fold(value as string));
      }
    }
    try {
      if (this.q(`UPDATE directory_users SET ${sets.join(", ")} WHERE id = ?`).run(...params, record.id).changes !== 1) throw new Error(`directory record ${record.id} does not exist`);
      return next as unknown as DirectoryRecord;
    } catch (e) {
      if (isUniqueError(e)) throw new UniqueViolation("userName");
      throw e;
    }
  }

  async deleteDirectory(id: number): Promise<void> {
    this.d.delete(directoryUsers).where(eq(directoryUsers.id, id)).run();
  }

  async setSetting(key: string, value: string): Promise<void> {
    this.q("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  }
}

/**
 * The SQLite repository: one connection for the single writer (transactions are queued in-process, so
 * requests never meet SQLITE_BUSY from each other) and one for reads, which in WAL mode see only
 * committed data even while a write transaction is open.
 */
export class SqliteRepository extends SqliteReader implements Repository {
  readonly writeTx: SqliteWriteTx;
  private readonly queue: WriteQueue;

  constructor(
    readonly writer: Database,
    reader: Database,
    sync?: () => Promise<void>,
    /** Told after each commit (the background checkpointer). */
    afterCommit?: () => void,
    /** Told once if an fsync fails: from then on every write is refused (see WriteQueue). */
    onWritesStopped?: (error: unknown) => void,
  ) {
    super(toDrizzle(reader), reader, new ReadConnections(writer, reader !== writer ? reader : null));
    this.writeTx = new SqliteWriteTx(toDrizzle(writer), writer);
    const lastCommitted = () => (writer.query(LAST_SEQ).get() as { n: number }).n;
    this.durableMark = lastCommitted();
    this.queue = new WriteQueue(writer, sync, {
      beforeBegin: () => this.reads.beginWrite(),
      afterEnd: (committed) => {
        this.reads.endWrite(committed);
        if (committed) afterCommit?.();
      },
      committedMark: lastCommitted,
      durable: (mark) => {
        if (mark > this.durableMark) this.durableMark = mark;
      },
      stopped: onWritesStopped,
    });
  }

  /** List queries that scan a table run on `thread` from now on (see ReadThread). */
  useReadThread(thread: ReadThread): void {
    this.readThread = thread;
  }

  /** Whether writes are refused since an fsync failed (until the database is opened again). */
  get writesStopped(): boolean {
    return this.queue.stopped;
  }

  /** The last event of a batch an fsync has made durable (what was on disk at open counts as durable). */
  private durableMark: number;

  /**
   * The newest event that is durable. While a committed batch waits for its fsync, or once an fsync has
   * failed, that is the last event an fsync has covered; otherwise every committed event, this process's and
   * other processes' (the CLI commits with synchronous = FULL).
   */
  async durableSeq(): Promise<number> {
    // After a failed fsync nothing committed since the last good one is durable, whatever comes next.
    return this.queue.syncPending || this.queue.stopped ? this.durableMark : this.lastSeq();
  }

  /**
   * Runs `fn` alone on the write connection. Every write in the process goes through here: a write made
   * beside an open transaction would join it (same connection) or wait on its lock (another connection).
   */
  exclusive<T>(fn: (writer: Database) => T | Promise<T>): Promise<T> {
    return this.queue.run(() => fn(this.writer));
  }

  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.queue.run(() => fn(this.writeTx));
  }

  async recordFailure(f: NewFailure): Promise<void> {
    await this.exclusive(() => {
      this.writeTx.d.insert(requestFailures).values({ ...f, token: f.token ?? null, requestId: f.requestId ?? null, scimType: f.scimType ?? null, detail: f.detail ?? null }).run();
    });
  }

  /**
   * In transactions of at most PRUNE_BATCH rows, each a job of the write queue: deleting 1.8 million events
   * (a lowered retain_days) in one transaction held the event loop for 8 s and grew the WAL by 500 MB.
   */
  async prune(before: string, keepAfterSeq: number): Promise<{ events: number; failures: number }> {
    const inBatches = async (statement: string, ...params: (string | number)[]): Promise<number> => {
      let total = 0;
      for (;;) {
        const n = await this.exclusive(() => changes(this.writer.query(statement).run(...params, PRUNE_BATCH)));
        total += n;
        if (n < PRUNE_BATCH) return total;
      }
    };
    // Token events are kept for good: a few per token, and for a revocation made before revoked_tokens
    // (migration 0005) the token.created event is all a restore has to keep that token revoked.
    const ev = await inBatches(
      "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE time < ? AND seq <= ? AND type NOT LIKE 'token.%' AND seq NOT IN (SELECT seq FROM webhook_dead) ORDER BY seq LIMIT ?)",
      before,
      keepAfterSeq,
    );
    const fl = await inBatches("DELETE FROM request_failures WHERE id IN (SELECT id FROM request_failures WHERE time < ? ORDER BY id LIMIT ?)", before);
    return { events: ev, failures: fl };
  }

  async lastSeq(): Promise<number> {
    return (this.q(LAST_SEQ).get() as { n: number }).n;
  }

  async event(seq: number): Promise<EventRecord | null> {
    return (await this.events({ after: seq - 1, limit: 1 })).find((e) => e.seq === seq) ?? null;
  }

  async webhookCursor(endpoint: string): Promise<WebhookCursor> {
    const found = this.d.select().from(webhookCursors).where(eq(webhookCursors.endpoint, endpoint)).get();
    if (found) return found;
    // A new endpoint starts at the end of the log: it receives changes made from now on, not history.
    return this.exclusive(() => {
      const w = this.writeTx.d;
      const existing = w.select().from(webhookCursors).where(eq(webhookCursors.endpoint, endpoint)).get();
      if (existing) return existing;
      const seq = (this.writer.query(LAST_SEQ).get() as { n: number }).n;
      return w.insert(webhookCursors).values({ endpoint, lastSeq: seq, attempts: 0 }).returning().get();
    });
  }

  async saveWebhookCursor(c: WebhookCursor): Promise<void> {
    await this.exclusive(() => {
      this.writeTx.d
        .insert(webhookCursors)
        .values(c)
        .onConflictDoUpdate({ target: webhookCursors.endpoint, set: { lastSeq: c.lastSeq, attempts: c.attempts, nextAttemptAt: c.nextAttemptAt, lastError: c.lastError } })
        .run();
    });
  }

  async parkDead(dl: DeadLetter, c: WebhookCursor): Promise<void> {
    await this.write(async () => {
      const w = this.writeTx.d;
      w.insert(webhookDead).values(dl).onConflictDoNothing().run();
      w.update(webhookCursors).set({ lastSeq: c.lastSeq, attempts: c.attempts, nextAttemptAt: c.nextAttemptAt, lastError: c.lastError }).where(eq(webhookCursors.endpoint, c.endpoint)).run();
    });
  }

  async deadLetters(endpoint?: string): Promise<DeadLetter[]> {
    const q = this.d.select().from(webhookDead);
    return (endpoint ? q.where(eq(webhookDead.endpoint, endpoint)) : q).orderBy(webhookDead.endpoint, webhookDead.seq).all();
  }

  async removeDeadLetter(endpoint: string, seq: number): Promise<void> {
    await this.exclusive(() => {
      this.writeTx.d.delete(webhookDead).where(and(eq(webhookDead.endpoint, endpoint), eq(webhookDead.seq, seq))).run();
    });
  }

  async *listDirectory(opts: { includeDeleted?: boolean } = {}): AsyncIterable<DirectoryRecord> {
    let after = 0;
    for (;;) {
      const where = opts.includeDeleted
        ? sql`${directoryUsers.id} > ${after}`
        : and(sql`${directoryUsers.id} > ${after}`, eq(directoryUsers.deleted, false));
      const page = this.d.select(directoryColumns).from(directoryUsers).where(where).orderBy(directoryUsers.id).limit(500).all();
      if (page.length === 0) return;
      yield* page;
      after = page[page.length - 1]!.id;
    }
  }

  close(): void {
    this.queue.close();
    this.reads.end();
    if (this.raw !== this.writer) this.raw.close();
    // Checkpoint so that the database file alone holds every committed change after a clean stop. Not after
    // reads alone (`scimd users list` while the server runs): there is nothing of this process's to copy, and
    // a TRUNCATE checkpoint waits up to busy_timeout (5 s) for the server's readers.
    if (this.reads.hasCommitted)
      try {
        this.writer.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch {
        // A checkpoint can fail while another process reads; the WAL then stays and is still durable.
      }
    this.writer.close();
  }
}

import type { FilterNode } from "./filter/ast.ts";
import type { ScimResource } from "./resource/types.ts";

// The storage interface the use cases are written against. storage/ implements it on SQLite; a PostgreSQL
// implementation must pass the same contract suite (test/storage/repository-contract.ts).

export type ResourceKind = "User" | "Group";

/** A resource as stored: `data` is the provisioned JSON without id, meta, groups or members. */
export interface StoredResource {
  readonly id: string;
  readonly data: ScimResource;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  /**
   * `data` as the JSON text it is stored as, when the storage read it as text: a representation can then be
   * spliced from it without parsing and serialising the resource again. Absent on resources built in memory.
   */
  readonly text?: string;
}

export interface ListQuery {
  readonly filter?: FilterNode;
  readonly sortBy?: string;
  readonly sortOrder?: "ascending" | "descending";
  /** 1-based, RFC 7644 §3.4.2.4. */
  readonly startIndex: number;
  readonly count: number;
}

export interface ListResult {
  readonly totalResults: number;
  readonly resources: StoredResource[];
}

export interface MemberRef {
  readonly id: string;
  readonly type: ResourceKind;
  /** userName of a user or displayName of a group, for `display`. */
  readonly display?: string;
}

/** The application's user record (README, "Integration contract"). */
export interface DirectoryRecord {
  readonly id: number;
  readonly scimId: string | null;
  readonly username: string;
  readonly active: boolean;
  readonly description: string | null;
  readonly profession: string | null;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly phone: string | null;
  readonly mobile: string | null;
  readonly employeeCode: string | null;
  readonly department: string | null;
  readonly company: string | null;
  readonly site: string | null;
  readonly deleted: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type DirectoryFields = Omit<DirectoryRecord, "id" | "scimId" | "username" | "deleted" | "createdAt" | "updatedAt">;

/** What updateDirectory may change: the fields, and the SCIM id, username and deleted mark. */
export type DirectoryChange = Partial<DirectoryFields> & { scimId?: string | null; username?: string; deleted?: boolean };

export interface TokenRecord {
  readonly id: number;
  readonly name: string;
  readonly scope: "scim" | "admin";
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly expiresAt: string | null;
}

/** Resource writes; every method runs inside the transaction that was opened with `Repository.write`. */
export interface ResourceWriter {
  insert(kind: ResourceKind, r: StoredResource): Promise<void>;
  /**
   * Replaces data and bumps version; returns false when the id does not exist. `previous`, the stored
   * resource `r` replaces, lets an implementation leave unchanged index entries alone.
   */
  update(kind: ResourceKind, r: StoredResource, previous?: StoredResource): Promise<boolean>;
  /** Deletes the resource with its memberships (as member and as group). */
  delete(kind: ResourceKind, id: string): Promise<boolean>;
}

export interface MembershipWriter {
  /** Adds members that are not members yet; returns the ids that were added. */
  addMembers(groupId: string, members: readonly MemberRef[]): Promise<string[]>;
  /** Removes the given member ids; returns the ids that were removed. */
  removeMembers(groupId: string, memberIds: readonly string[]): Promise<string[]>;
  /** Removes every member; returns the ids that were removed. */
  removeAllMembers(groupId: string): Promise<string[]>;
}

export interface DirectoryWriter {
  insertDirectory(username: string, scimId: string, fields: DirectoryFields, at: string): Promise<DirectoryRecord>;
  /**
   * Writes `change` (and updatedAt) to `record`, which must be the record as read in this transaction: the
   * record returned is it with the change applied.
   */
  updateDirectory(record: DirectoryRecord, change: DirectoryChange, at: string): Promise<DirectoryRecord>;
  deleteDirectory(id: number): Promise<void>;
}

/** Reads, available both inside a write transaction (seeing its own writes) and outside it. */
export interface Reader {
  get(kind: ResourceKind, id: string): Promise<StoredResource | null>;
  /** The id of the user with this userName, or of the group with this displayName, without regard to case. */
  findIdByName(kind: ResourceKind, name: string): Promise<string | null>;
  list(kind: ResourceKind, query: ListQuery): Promise<ListResult>;
  /** Which of these ids exist, and as what. */
  existing(ids: readonly string[]): Promise<Map<string, MemberRef>>;
  members(groupId: string): Promise<MemberRef[]>;
  /**
   * The same members as JSON text, already in the SCIM shape `[{"value", "$ref", "type", "display"}]` with
   * `$ref` under `baseUrl`: the full GET of a 100,000-member group never builds a JS object per member.
   */
  membersJson(groupId: string, baseUrl: string): Promise<string>;
  memberCount(groupId: string): Promise<number>;
  groupsOf(memberId: string): Promise<MemberRef[]>;
  /** The ids of the groups that hold `memberId`, directly or through groups nested in them (each once). */
  ancestorsOf(memberId: string): Promise<Set<string>>;
  directoryByUsername(username: string): Promise<DirectoryRecord | null>;
  directoryByScimId(scimId: string): Promise<DirectoryRecord | null>;
  events(q: EventQuery): Promise<EventRecord[]>;
  countEvents(q: Omit<EventQuery, "limit">): Promise<number>;
  failures(q: { after?: number; limit: number }): Promise<FailureRecord[]>;
  /** A value scimd keeps for itself across restarts (`setSetting`), or null. */
  setting(key: string): Promise<string | null>;
}

/** One state change, appended in the transaction of the change itself (README, "Events"). */
export interface NewEvent {
  /** One of EVENT_TYPES (src/core/event-types.ts) when scimd writes it; storage takes any name. */
  readonly type: string;
  readonly time: string;
  readonly token?: string | null;
  readonly requestId?: string | null;
  readonly resourceType?: ResourceKind | "Token" | null;
  readonly resourceId?: string | null;
  /** userName, displayName or token name. */
  readonly name?: string | null;
  /** For updates `{ changes: {field: {before, after}} }`; for memberships `{ member: {id, type} }`. */
  readonly data?: Record<string, unknown> | null;
}

export interface EventRecord extends NewEvent {
  readonly seq: number;
}

export interface EventQuery {
  /** Events with a sequence number greater than this. */
  readonly after?: number;
  /** And not greater than this: bounds how many rows a search for rare types reads. */
  readonly through?: number;
  readonly limit: number;
  /** Type patterns: exact (`user.created`) or a prefix with `*` (`user.*`). */
  readonly types?: readonly string[];
  /** Only events about this userName/displayName (without regard to case), memberships of that user included. */
  readonly name?: string;
}

export interface NewFailure {
  readonly time: string;
  readonly token?: string | null;
  readonly requestId?: string | null;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly scimType?: string | null;
  readonly detail?: string | null;
}

export interface FailureRecord extends NewFailure {
  readonly id: number;
}

export interface EventWriter {
  appendEvent(e: NewEvent): Promise<number>;
}

export interface SettingWriter {
  setSetting(key: string, value: string): Promise<void>;
}

export interface WriteTx extends Reader, ResourceWriter, MembershipWriter, DirectoryWriter, EventWriter, SettingWriter {}

/** Where one webhook endpoint's delivery stands; it survives restarts and crashes. */
export interface WebhookCursor {
  readonly endpoint: string;
  readonly lastSeq: number;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
}

export interface DeadLetter {
  readonly endpoint: string;
  readonly seq: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly parkedAt: string;
}

/** The outbox bookkeeping of webhook delivery. */
export interface OutboxStore {
  /** The endpoint's cursor, created at the current end of the event log when the endpoint is new. */
  webhookCursor(endpoint: string): Promise<WebhookCursor>;
  saveWebhookCursor(c: WebhookCursor): Promise<void>;
  /** Parks an event as dead and saves the endpoint's cursor (past it), in one transaction. */
  parkDead(d: DeadLetter, cursor: WebhookCursor): Promise<void>;
  deadLetters(endpoint?: string): Promise<DeadLetter[]>;
  removeDeadLetter(endpoint: string, seq: number): Promise<void>;
  event(seq: number): Promise<EventRecord | null>;
  lastSeq(): Promise<number>;
  /**
   * The newest event whose change is durable. Reads may see a commit whose fsync is still running (well under
   * a millisecond); an event is handed outside the process (a webhook, the change feed) only once durable:
   * lost in a power cut, its seq would be given to another event, which receivers would drop as a duplicate.
   */
  durableSeq(): Promise<number>;
}

export interface Repository extends Reader, OutboxStore {
  /**
   * Runs `fn` in one atomic, durable transaction. Writes are serialised; the promise settles after commit.
   * If `fn` throws, nothing it wrote is kept.
   */
  write<T>(fn: (tx: WriteTx) => Promise<T>): Promise<T>;
  /**
   * Every directory record in id order, read in pages of at most 500 (no transaction or cursor held across them): reads and
   * writes may run while a walk is under way, a record inserted later (with a higher id) is visited, and one
   * deleted before its page is read is not.
   */
  listDirectory(opts?: { includeDeleted?: boolean }): AsyncIterable<DirectoryRecord>;
  /** Records a failed request (outside any resource transaction: the failure itself changed nothing). */
  recordFailure(f: NewFailure): Promise<void>;
  /**
   * Deletes events and failures older than `before`, except events that a webhook endpoint has not yet
   * delivered (seq above `keepAfterSeq`) or has parked as dead. Returns how many rows went.
   */
  prune(before: string, keepAfterSeq: number): Promise<{ events: number; failures: number }>;
  close(): void;
}

/** Thrown by a writer when a unique key (userName, displayName) is taken; the service maps it to 409. */
export class UniqueViolation extends Error {
  constructor(readonly what: string) {
    super(`unique violation: ${what}`);
  }
}

/**
 * Thrown by a storage that cannot take a write now (the HTTP edge answers 503):
 * - `full`: no space left; nothing of the write was kept.
 * - `failed`: the disk reported an error; nothing of the write was kept.
 * - `unsynced`: the write was committed, but making it durable failed, so it may or may not survive; readers
 *   may already have seen it. The storage then takes no more writes (`stopped`).
 * - `stopped`: the storage refuses writes since an `unsynced` failure, until it is opened again; nothing of
 *   the write was kept.
 */
export class StorageUnavailable extends Error {
  constructor(
    readonly reason: "full" | "failed" | "unsynced" | "stopped",
    cause: unknown,
  ) {
    super(`storage unavailable (${reason}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Whether `e` is the refusal of a write because writes are stopped (its cause was logged once, when they stopped). */
export const isWritesStopped = (e: unknown): boolean => e instanceof StorageUnavailable && e.reason === "stopped";

export type TokenScope = "scim" | "admin";

/** Bearer tokens; only a hash of each secret is stored. */
export interface TokenStore {
  /** Stores a token by the hash of its secret; throws UniqueViolation when the name is taken. */
  create(name: string, hash: string, scope: TokenScope, createdAt: string, expiresAt: string | null): Promise<TokenRecord>;
  list(): Promise<TokenRecord[]>;
  /** Removes the token, and keeps its hash as revoked for good; false when no token has that name. */
  revoke(name: string): Promise<boolean>;
  /**
   * Removes a token whose secret was never shown, with its creation event, as if it had never been made: the
   * initial token of a first start that could not listen.
   */
  discard(name: string): Promise<void>;
  findByHash(hash: string): Promise<(TokenRecord & { hash: string }) | null>;
  touch(id: number, at: string): Promise<void>;
  count(): Promise<number>;
}

import type { EventType } from "./event-types.ts";
import { mapUser, diffFields, type ReferenceLists } from "./directory/map-user.ts";
import {
  InvalidFilterError,
  InvalidValueError,
  MutabilityError,
  NoTargetError,
  NotFoundError,
  PreconditionFailedError,
  UniquenessError,
} from "./errors.ts";
import type { FilterNode } from "./filter/ast.ts";
import { matchFilter } from "./filter/match-filter.ts";
import { parseFilter } from "./filter/parse-filter.ts";
import { applyPatch, PatchWork, termsOf } from "./patch/apply-patch.ts";
import { deepEqual, isPlainObject } from "./patch/navigate.ts";
import { parsePatchRequest, type PatchOperation } from "./patch/parse-patch.ts";
import type { DirectoryRecord, MemberRef, Repository, ResourceKind, StoredResource, WriteTx } from "./repository.ts";
import { UniqueViolation } from "./repository.ts";
import { memberValueOf, MEMBER_VALUE_MESSAGE, readResourceInput } from "./resource/deserialize.ts";
import { parseAttributeList, projectResource, type ProjectionOptions } from "./resource/project.ts";
import { etagMatches, etagOf, metaOf, withMeta, type MetaInput } from "./resource/serialize.ts";
import { JsonText, spliceResource } from "./resource/json-text.ts";
import type { ScimResource } from "./resource/types.ts";
import { GROUP, USER, type ResourceSchema } from "./schema/registry.ts";
import { uuidV7 } from "./uuid-v7.ts";
import { LIST_RESPONSE_SCHEMA } from "./schema/urns.ts";
import { clip, quoted } from "./quote.ts";

/** The `[directory]` lists last applied to the records (`reconcileReferences`). */
const REFERENCE_LISTS_KEY = "directory.reference_lists";

/**
 * A user's userName and a group's displayName are the names applications key on (the directory record's
 * username, a group's unique name): a control character in one (a NUL, a line feed, a C1 control such as
 * U+0085, a line break to some parsers) breaks C strings, logs and CSV exports downstream, and no identity
 * provider sends one. A name that is not changed is not checked: one an earlier version stored must not make
 * every later update of its resource (a leaver's disable) fail.
 */
function checkName(kind: ResourceKind, data: ScimResource, previous?: ScimResource): void {
  const attribute = kind === "User" ? "userName" : "displayName";
  const name = data[attribute];
  if (previous && name === previous[attribute]) return;
  const control = typeof name === "string" ? /\p{Cc}/u.exec(name) : null;
  if (control)
    throw new InvalidValueError(`The ${attribute} contains a control character (${quoted(control[0])}); send it without control characters.`);
}

/** The actor of what scimd does by itself (the default group, the `[directory]` lists applied at start). */
const SYSTEM: RequestContext = { baseUrl: "", tokenName: "scimd" };

export interface ServiceOptions {
  readonly usernameChanges: "ignore" | "reject" | "allow";
  readonly unknownReference: "ignore" | "reject";
  readonly deleteMode: "deactivate" | "delete";
  readonly defaultGroup: string;
  readonly references: ReferenceLists;
  readonly maxPageSize: number;
  readonly maxPatchOperations: number;
  readonly maxFilterLength: number;
  readonly maxFilterDepth?: number;
}

export interface Logger {
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
}

export interface ServiceDeps {
  readonly repo: Repository;
  readonly options: ServiceOptions;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  readonly logger?: Logger;
}

/** What a request carries that the use cases need: where resources live, and who asked. */
export interface RequestContext {
  /** The SCIM base URL, e.g. https://scim.example.com/scim, for meta.location and $ref. */
  readonly baseUrl: string;
  readonly tokenName?: string;
  readonly requestId?: string;
}

export interface ListParams {
  readonly filter?: string;
  readonly startIndex?: number | string;
  readonly count?: number | string;
  readonly sortBy?: string;
  readonly sortOrder?: string;
  readonly attributes?: string | string[];
  readonly excludedAttributes?: string | string[];
}

export interface Preconditions {
  readonly ifMatch?: string | null;
  readonly ifNoneMatch?: string | null;
}

export interface ListResponse {
  schemas: [typeof LIST_RESPONSE_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  /** Resources, as objects or as JSON text spliced from storage (stringifyResource writes both). */
  Resources: (ScimResource | JsonText)[];
}

/** The most attribute names scimd does not define that one request adds to the log (unknownReporter). */
const UNKNOWN_PER_REQUEST = 10;

const schemaOf = (kind: ResourceKind): ResourceSchema => (kind === "User" ? USER : GROUP);
const endpointOf = (kind: ResourceKind) => (kind === "User" ? "Users" : "Groups");

const noopLogger: Logger = { warn() {}, info() {} };

function toList(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.flatMap((s) => parseAttributeList(s) ?? []) : parseAttributeList(v);
}

export function projectionOf(p: { attributes?: string | string[]; excludedAttributes?: string | string[] }): ProjectionOptions {
  return { attributes: toList(p.attributes), excludedAttributes: toList(p.excludedAttributes) };
}

/** No attributes/excludedAttributes: the full representation. */
const isPlain = (p: ProjectionOptions): boolean => !p.attributes?.length && !p.excludedAttributes?.length;

/** True when the projection returns `name` (e.g. members), so that it is loaded only when needed. */
function wants(rs: ResourceSchema, name: string, projection: ProjectionOptions): boolean {
  if (isPlain(projection)) return true;
  // Every sub-attribute a member or group reference has: attributes=members.display asks for the list too.
  return name in projectResource({ schemas: [], id: "x", [name]: [{ value: "x", display: "x", type: "User", $ref: "x" }] }, rs, projection);
}

/**
 * `active` left out of a PUT (or removed by a PATCH) keeps its value: a disabled user is not turned back on by
 * omission, and the resource says what the directory record says.
 */
function keepActive(next: ScimResource, current: ScimResource): void {
  if (next.active === undefined && typeof current.active === "boolean") next.active = current.active;
}

const given = (h: string | null | undefined): h is string => typeof h === "string" && h.trim() !== "";

/**
 * RFC 7232 §3.1 and §3.2 for a write, with weak comparison as RFC 7644 §3.14 uses weak ETags: If-Match must
 * name the current version; If-None-Match must not (`*` names any, so it fails on every existing resource).
 */
function checkPreconditions(pre: Preconditions, version: number): void {
  const current = etagOf(version);
  if (given(pre.ifMatch) && !etagMatches(pre.ifMatch, current))
    throw new PreconditionFailedError(
      `The resource has changed (its version is ${current}, the request expected ${clip(pre.ifMatch.trim(), 60)}); read it again and retry with the new ETag.`,
    );
  if (given(pre.ifNoneMatch) && etagMatches(pre.ifNoneMatch, current))
    throw new PreconditionFailedError(
      pre.ifNoneMatch.trim() === "*"
        ? "The resource exists, and If-None-Match: * asks to write only when it does not; leave the header out to change it."
        : `The resource is at the version the request's If-None-Match names (${current}); leave the header out to change it.`,
    );
}

function intParam(v: number | string | undefined): number | undefined {
  // A blank value is no value, as an empty one: Number(" ") is 0, which gave an empty page.
  if (v === undefined || (typeof v === "string" && v.trim() === "")) return undefined;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n)) throw new InvalidValueError(`The paging value ${quoted(v)} is not a number; send a whole number.`);
  return Math.trunc(n);
}

export class ScimService {
  private readonly repo: Repository;
  private readonly opts: ServiceOptions;
  private readonly clock: () => Date;
  private readonly newId: () => string;
  private readonly log: Logger;

  constructor(deps: ServiceDeps) {
    this.repo = deps.repo;
    this.opts = deps.options;
    this.clock = deps.clock ?? (() => new Date());
    this.newId = deps.newId ?? uuidV7;
    this.log = deps.logger ?? noopLogger;
  }

  // ---- rendering -------------------------------------------------------------------------------

  private location(kind: ResourceKind, id: string, ctx: RequestContext): string {
    return `${ctx.baseUrl}/${endpointOf(kind)}/${id}`;
  }

  private memberRefs(refs: MemberRef[], ctx: RequestContext): Record<string, unknown>[] {
    return refs.map((m) => ({
      value: m.id,
      $ref: this.location(m.type, m.id, ctx),
      type: m.type,
      ...(m.display !== undefined ? { display: m.display } : {}),
    }));
  }

  /**
   * A stored user read back for GET or a list, without attributes/excludedAttributes: spliced from the
   * stored JSON text (the same bytes render + JSON.stringify give, without parsing the resource and
   * serialising it again); any other case, or a stored text of another shape, is rendered as an object.
   */
  private async renderRead(kind: ResourceKind, s: StoredResource, ctx: RequestContext, projection: ProjectionOptions): Promise<ScimResource | JsonText> {
    if (kind === "User" && s.text !== undefined && isPlain(projection)) {
      const groups = await this.repo.groupsOf(s.id);
      const spliced = spliceResource(s.text, s.id, groups.length ? { groups: this.groupRefs(groups, ctx) } : {}, metaOf(this.metaInput(kind, s, ctx)));
      if (spliced) return spliced;
      return this.render(kind, s, ctx, projection, groups);
    }
    return this.render(kind, s, ctx, projection);
  }

  private groupRefs(groups: readonly MemberRef[], ctx: RequestContext) {
    return groups.map((g) => ({ value: g.id, $ref: this.location("Group", g.id, ctx), display: g.display, type: "direct" }));
  }

  private metaInput(kind: ResourceKind, s: StoredResource, ctx: RequestContext): MetaInput {
    return { resourceType: kind, created: s.created, lastModified: s.lastModified, location: this.location(kind, s.id, ctx), version: s.version };
  }

  /**
   * The outgoing resource: id and schemas first, then attributes, computed ones, and meta (RFC 7643 §3.1).
   * `related`, when the caller already has it from its write transaction, is a user's groups or a group's
   * members: read right after a write, the read connection would start with a cold page cache.
   */
  private async render(kind: ResourceKind, s: StoredResource, ctx: RequestContext, projection: ProjectionOptions, related?: MemberRef[]): Promise<ScimResource> {
    const rs = schemaOf(kind);
    const plain = isPlain(projection);
    const out: ScimResource = { ...s.data, id: s.id };
    if (kind === "User") {
      if (wants(rs, "groups", projection)) {
        const groups = related ?? (await this.repo.groupsOf(s.id));
        if (groups.length) out.groups = this.groupRefs(groups, ctx);
      }
    } else if (wants(rs, "members", projection)) {
      if (related || !plain) {
        const members = related ?? (await this.repo.members(s.id));
        if (members.length) out.members = this.memberRefs(members, ctx);
      } else {
        const json = await this.repo.membersJson(s.id, ctx.baseUrl);
        if (json !== "[]") out.members = new JsonText(json);
      }
    }
    const full = withMeta(out, this.metaInput(kind, s, ctx));
    // Without attributes/excludedAttributes the stored resource is already what is returned ("never"
    // attributes such as password are dropped on input), so the projection walk is skipped.
    return plain ? full : projectResource(full, rs, projection);
  }

  // ---- reads -------------------------------------------------------------------------------------

  async get(kind: ResourceKind, id: string, ctx: RequestContext, projection: ProjectionOptions = {}): Promise<{ resource: ScimResource | JsonText; etag: string }> {
    const s = await this.repo.get(kind, id);
    if (!s) throw this.notFound(kind, id);
    return { resource: await this.renderRead(kind, s, ctx, projection), etag: etagOf(s.version) };
  }

  /**
   * GET's preconditions (RFC 7232 §6: If-Match first): a 412 when If-Match names another version; the ETag
   * when If-None-Match names the current one (a 304); null otherwise, and for an unknown id (the GET's 404).
   */
  async readPreconditions(kind: ResourceKind, id: string, pre: Preconditions): Promise<string | null> {
    if (!given(pre.ifMatch) && !given(pre.ifNoneMatch)) return null;
    const s = await this.repo.get(kind, id);
    if (!s) return null;
    checkPreconditions({ ifMatch: pre.ifMatch }, s.version);
    const etag = etagOf(s.version);
    return given(pre.ifNoneMatch) && etagMatches(pre.ifNoneMatch, etag) ? etag : null;
  }

  parseFilter(kind: ResourceKind, filter: string): FilterNode {
    if (filter.length > this.opts.maxFilterLength)
      throw new InvalidFilterError(
        `The filter is ${filter.length} characters long, more than the ${this.opts.maxFilterLength} allowed; send a shorter filter.`,
      );
    // RFC 7644 §3.4.2.2 has no empty filter; read as "no filter" it answered with every resource, and a client
    // that takes the first result as its match would link the wrong user.
    if (filter.trim() === "")
      throw new InvalidFilterError(`The filter is empty; send an expression such as ${kind === "Group" ? 'displayName eq "Staff"' : 'userName eq "bjensen"'}, or leave the filter parameter out.`);
    return parseFilter(filter, schemaOf(kind), { maxDepth: this.opts.maxFilterDepth, maxLength: this.opts.maxFilterLength });
  }

  async list(kind: ResourceKind, p: ListParams, ctx: RequestContext): Promise<ListResponse> {
    const filter = p.filter !== undefined ? this.parseFilter(kind, p.filter) : undefined;
    // RFC 7644 §3.4.2.4: startIndex < 1 is read as 1; a negative count as 0; count is capped by the server. A
    // startIndex past any possible result (1e20) is read as the largest exact one: an empty page, not an error.
    const startIndex = Math.min(Math.max(1, intParam(p.startIndex) ?? 1), Number.MAX_SAFE_INTEGER);
    const count = Math.min(Math.max(0, intParam(p.count) ?? 100), this.opts.maxPageSize);
    // RFC 7644 §3.4.2.3 names two values ("asc" and "desc" are taken too); another one was read as "ascending",
    // in silence. Without sortBy the order means nothing and is not checked.
    const requested = p.sortBy ? p.sortOrder?.toLowerCase() || "ascending" : "ascending";
    const sortOrder = requested === "asc" ? "ascending" : requested === "desc" ? "descending" : requested;
    if (sortOrder !== "ascending" && sortOrder !== "descending")
      throw new InvalidValueError(`The sortOrder ${quoted(String(p.sortOrder))} is not one of "ascending" and "descending"; send one of them, or leave sortOrder out.`);
    const result = await this.repo.list(kind, { filter, sortBy: p.sortBy || undefined, sortOrder, startIndex, count });
    const projection = projectionOf(p);
    const Resources: (ScimResource | JsonText)[] = [];
    for (const s of result.resources) Resources.push(await this.renderRead(kind, s, ctx, projection));
    return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: result.totalResults, startIndex, itemsPerPage: Resources.length, Resources };
  }

  // ---- users -------------------------------------------------------------------------------------

  private mapOptions() {
    return { references: this.opts.references, unknownReference: this.opts.unknownReference };
  }

  private warnAll(warnings: string[], ctx: RequestContext, userName: string): void {
    for (const w of warnings) this.log.warn(w, { userName, requestId: ctx.requestId, token: ctx.tokenName });
  }

  async create(kind: ResourceKind, body: unknown, ctx: RequestContext, projection: ProjectionOptions = {}): Promise<{ resource: ScimResource; etag: string; location: string }> {
    const rs = schemaOf(kind);
    const data = readResourceInput(body, rs, this.unknownReporter(kind));
    checkName(kind, data);
    // A new user without `active` is active (its directory record says so): the resource says it too, as
    // clients such as Okta's tests read `active` from every listed user.
    if (kind === "User" && data.active === undefined) data.active = true;
    const now = this.clock().toISOString();
    const stored: StoredResource = { id: this.newId(), data, version: 1, created: now, lastModified: now };
    const members = kind === "Group" ? this.takeMembers(stored) : [];
    const related = await this.write(kind, async (tx) => {
      if (await tx.findIdByName(kind, this.nameOf(kind, data))) throw this.duplicate(kind, data);
      if (kind === "User") return this.createUser(tx, stored, ctx);
      await tx.insert("Group", stored);
      await this.emit(tx, ctx, "group.created", "Group", stored.id, String(data.displayName), { externalId: data.externalId ?? null });
      const refs = await this.resolveMembers(tx, ctx, members, stored);
      const added = await tx.addMembers(stored.id, refs);
      await this.emitMembers(tx, ctx, stored, "group.member_added", added, new Map(refs.map((r) => [r.id, r])));
      return refs;
    });
    // The Location header (RFC 7644 §3.3) is the resource's, whatever `attributes` leaves of meta in the body.
    const resource = await this.render(kind, stored, ctx, projection, related);
    return { resource, etag: etagOf(stored.version), location: this.location(kind, stored.id, ctx) };
  }

  /** Returns the new user's groups (the default group, if any). */
  private async createUser(tx: WriteTx, stored: StoredResource, ctx: RequestContext): Promise<MemberRef[]> {
    const previous = await tx.directoryByUsername(String(stored.data.userName));
    if (previous && previous.scimId !== null) {
      // With username_changes = "ignore", a user renamed in SCIM keeps its old name in the directory: no SCIM
      // user has that name any more (a filter finds none), yet it is taken. Say so, or the 409 is a riddle.
      const holder = await tx.get("User", previous.scimId);
      const now = holder ? String(holder.data.userName) : undefined;
      if (now !== undefined && now.toLowerCase() !== previous.username.toLowerCase())
        throw new UniquenessError(
          `The userName ${quoted(String(stored.data.userName), 256)} is still the directory username of user ${holder!.id}, renamed in SCIM to ${quoted(now, 256)} and kept because [provisioning] username_changes = "ignore"; choose another userName.`,
        );
      throw this.duplicate("User", stored.data);
    }
    // A new provisioning, even on a deleted user's re-used record: nothing of that record's past is kept (an
    // unknown department leaves the field empty rather than bringing back the old one).
    const mapped = mapUser(stored.data, null, this.mapOptions());
    await tx.insert("User", stored);
    const at = stored.created;
    let record: DirectoryRecord;
    if (previous) {
      // A user deleted in "deactivate" mode comes back: its account is re-used, not duplicated.
      // With username_changes = "allow" the username follows userName, here too: re-created in another case
      // ("Alice@…" deleted, "alice@…" created), the record kept the old case, and Entra, seeing its resource
      // already right, never sent the change that would fix it.
      const username = this.opts.usernameChanges === "allow" && mapped.username !== previous.username ? { username: mapped.username } : {};
      record = await tx.updateDirectory(previous, { ...mapped.fields, ...username, scimId: stored.id, deleted: false }, at);
      this.log.info("Re-used the directory record of a previously deleted user.", { userName: previous.username, requestId: ctx.requestId });
    } else {
      record = await tx.insertDirectory(mapped.username, stored.id, mapped.fields, at);
    }
    await this.emit(tx, ctx, "user.created", "User", stored.id, record.username, { record: { ...mapped.fields, username: record.username }, reused: previous !== null });
    const groups: MemberRef[] = [];
    if (this.opts.defaultGroup) {
      // Deleted since start-up (a client may delete any group): created again, so new users still join it.
      const group = await this.defaultGroupIn(tx, this.opts.defaultGroup);
      if ((await tx.addMembers(group.id, [{ id: stored.id, type: "User" }])).length) {
        await this.emitMembers(tx, ctx, group, "group.member_added", [stored.id], new Map([[stored.id, { id: stored.id, type: "User", display: String(stored.data.userName) }]]));
        // Its members changed: a new version, as for any other membership change (an If-None-Match kept a
        // member list 130,000 users short).
        await tx.update("Group", this.nextVersion(group, group.data), group);
        groups.push({ id: group.id, type: "Group", display: String(group.data.displayName) });
      }
    }
    this.warnAll(mapped.warnings, ctx, mapped.username);
    return groups;
  }

  async replace(kind: ResourceKind, id: string, body: unknown, ctx: RequestContext, pre: Preconditions = {}, projection: ProjectionOptions = {}): Promise<{ resource: ScimResource; etag: string }> {
    const rs = schemaOf(kind);
    const data = readResourceInput(body, rs, this.unknownReporter(kind));
    const { stored, related } = await this.write(kind, async (tx) => {
      const current = await tx.get(kind, id);
      if (!current) throw this.notFound(kind, id);
      checkPreconditions(pre, current.version);
      checkName(kind, data, current.data);
      if (kind === "User") keepActive(data, current.data);
      if (kind === "User" && sameData(data, current.data)) return { stored: current, related: await tx.groupsOf(id) };
      const next = this.nextVersion(current, data);
      if (kind === "Group") {
        const wanted = this.takeMembers(next);
        const unchanged = sameData(next.data, current.data);
        if (!unchanged) await this.saveGroup(tx, current, next, ctx);
        const refs = await this.resolveMembers(tx, ctx, wanted, next);
        const membersChanged = await this.setMembers(tx, ctx, next, refs);
        // Like a user's, a group's PUT that changes nothing keeps its version; one that changes only the
        // members gets a new one.
        if (unchanged && !membersChanged) return { stored: current, related: refs };
        if (unchanged) await this.saveGroup(tx, current, next, ctx);
        return { stored: next, related: refs };
      }
      await this.saveUser(tx, current, next, ctx);
      return { stored: next, related: await tx.groupsOf(id) };
    });
    return { resource: await this.render(kind, stored, ctx, projection, related), etag: etagOf(stored.version) };
  }

  /** Attribute names and paths already reported as unknown: each is logged once per process (a client sends it at every cycle). */
  private readonly reportedUnknown = new Set<string>();

  /**
   * Logs each attribute name scimd does not define (a body key, or a PATCH path, ignored) once, at most UNKNOWN_PER_REQUEST new names a request. The
   * names already told are forgotten past 1,000 rather than no more being told: one POST of 80,000 junk keys
   * used up a lifetime cap of 1,000, and an identity provider's real mapping mistakes went unlogged until a
   * restart.
   */
  private unknownReporter(kind: ResourceKind): (name: string) => void {
    let told = 0;
    return (name) => {
      const key = `${kind} ${name.toLowerCase()}`;
      if (told >= UNKNOWN_PER_REQUEST || this.reportedUnknown.has(key)) return;
      if (this.reportedUnknown.size >= 1000) this.reportedUnknown.clear();
      this.reportedUnknown.add(key);
      told++;
      this.log.warn("A request names an attribute scimd does not define; it is ignored (check the identity provider's attribute mapping).", {
        resourceType: kind,
        attribute: clip(name, 200),
      });
    };
  }

  /**
   * With `projection` null the caller wants no representation (a 204), so none is built: for a group of
   * 100,000 members that saves reading and serialising every member after each membership change.
   */
  async patch(kind: ResourceKind, id: string, body: unknown, ctx: RequestContext, pre: Preconditions = {}, projection: ProjectionOptions | null = {}): Promise<{ resource: ScimResource | null; etag: string }> {
    const rs = schemaOf(kind);
    const report = this.unknownReporter(kind);
    const ops = parsePatchRequest(body, rs, { maxOperations: this.opts.maxPatchOperations, onUnknownPath: report });
    const { stored, related } = await this.write(kind, async (tx) => {
      const current = await tx.get(kind, id);
      if (!current) throw this.notFound(kind, id);
      checkPreconditions(pre, current.version);
      if (kind === "Group") {
        const stored = await this.patchGroup(tx, current, ops, ctx, report);
        // Read in the transaction: read after it, a PATCH right behind this one could already have changed them,
        // and the representation would show its members under this version's ETag.
        return { stored, related: projection && wants(rs, "members", projection) ? await tx.members(id) : undefined };
      }
      const patched = applyPatch({ ...current.data, id }, ops, rs, report);
      const { id: _id, meta: _meta, groups: _groups, ...data } = patched;
      keepActive(data, current.data);
      if (typeof data.userName !== "string" || data.userName.trim() === "")
        throw new InvalidValueError('The attribute "userName" is required; a PATCH cannot remove it or make it blank.');
      checkName("User", data, current.data);
      // Entra ID re-sends the same values on every cycle: a PATCH that changes nothing keeps the version
      // (and ETag) and records no event.
      const next = sameData(data, current.data) ? current : this.nextVersion(current, data);
      if (next !== current) await this.saveUser(tx, current, next, ctx);
      return { stored: next, related: projection ? await tx.groupsOf(id) : undefined };
    });
    return { resource: projection ? await this.render(kind, stored, ctx, projection, related) : null, etag: etagOf(stored.version) };
  }

  async delete(kind: ResourceKind, id: string, ctx: RequestContext, pre: Preconditions = {}): Promise<void> {
    await this.write(kind, async (tx) => {
      const current = await tx.get(kind, id);
      if (!current) throw this.notFound(kind, id);
      checkPreconditions(pre, current.version);
      // The groups it belonged to lose a member: each records it and gets a new version (its ETag changes).
      const ref: MemberRef = { id, type: kind, display: this.nameOf(kind, current.data) };
      await this.touchGroupsOf(tx, id, (group) => this.emitMembers(tx, ctx, group, "group.member_removed", [id], new Map([[id, ref]])));
      if (kind === "User") {
        const record = await tx.directoryByScimId(id);
        if (record) {
          if (this.opts.deleteMode === "delete") await tx.deleteDirectory(record.id);
          else await tx.updateDirectory(record, { active: false, deleted: true, scimId: null }, this.clock().toISOString());
        }
        await this.emit(tx, ctx, "user.deleted", "User", id, record?.username ?? String(current.data.userName), { mode: this.opts.deleteMode });
      } else {
        const removed = await tx.removeAllMembers(id);
        await this.emit(tx, ctx, "group.deleted", "Group", id, String(current.data.displayName), { memberCount: removed.length });
      }
      await tx.delete(kind, id);
    });
    this.log.info(`${kind} deleted.`, { id, requestId: ctx.requestId, mode: kind === "User" ? this.opts.deleteMode : "delete" });
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /** Appends an event in the transaction of the change (a change never exists without its event). */
  private emit(tx: WriteTx, ctx: RequestContext, type: EventType, resourceType: ResourceKind, id: string, name: string, data?: Record<string, unknown>): Promise<number> {
    return tx.appendEvent({ type, time: this.clock().toISOString(), token: ctx.tokenName, requestId: ctx.requestId, resourceType, resourceId: id, name, data: data ?? null });
  }

  private async emitMembers(tx: WriteTx, ctx: RequestContext, group: StoredResource, type: "group.member_added" | "group.member_removed", ids: readonly string[], refs?: Map<string, MemberRef>): Promise<void> {
    for (const memberId of ids) {
      const ref = refs?.get(memberId);
      await this.emit(tx, ctx, type, "Group", group.id, String(group.data.displayName), { member: { id: memberId, ...(ref ? { type: ref.type, display: ref.display } : {}) } });
    }
  }

  private nameOf(kind: ResourceKind, data: ScimResource): string {
    return String(kind === "User" ? data.userName : data.displayName);
  }

  private nextVersion(current: StoredResource, data: ScimResource): StoredResource {
    const now = this.clock().toISOString();
    return { id: current.id, data, version: current.version + 1, created: current.created, lastModified: now };
  }

  private notFound(kind: ResourceKind, id: string): NotFoundError {
    return new NotFoundError(`No ${kind} has the id ${quoted(id, 256)}; check the id, or search with a filter.`);
  }

  private duplicate(kind: ResourceKind, data: ScimResource): UniquenessError {
    return kind === "User"
      ? new UniquenessError(`A user with the userName ${quoted(String(data.userName), 256)} already exists; choose another userName or update that user.`)
      : new UniquenessError(`A group with the displayName ${quoted(String(data.displayName), 256)} already exists; choose another name or update that group.`);
  }

  /** Runs a write transaction, turning a unique-key race into the same 409 a sequential request gets. */
  private async write<T>(kind: ResourceKind, fn: (tx: WriteTx) => Promise<T>): Promise<T> {
    try {
      return await this.repo.write(fn);
    } catch (e) {
      if (e instanceof UniqueViolation)
        throw new UniquenessError(
          kind === "User"
            ? "Another user already has this userName (names are compared without regard to case); choose another userName."
            : "Another group already has this displayName (names are compared without regard to case); choose another displayName.",
        );
      throw e;
    }
  }

  /** userName changes follow `[provisioning] username_changes`; the directory record is updated in the same transaction. */
  private async saveUser(tx: WriteTx, current: StoredResource, next: StoredResource, ctx: RequestContext): Promise<void> {
    const oldName = String(current.data.userName);
    const newName = String(next.data.userName);
    const renamed = oldName !== newName;
    // A change of case only is not a new name (names are unique without regard to case): Entra fixing a UPN's
    // case must not fail on every cycle. Under "reject" the record keeps its username, as with "ignore".
    const isNewName = renamed && newName.toLowerCase() !== oldName.toLowerCase();
    if (isNewName) {
      const taken = await tx.findIdByName("User", newName);
      if (taken && taken !== current.id) throw this.duplicate("User", next.data);
    }
    if (isNewName && this.opts.usernameChanges === "reject")
      throw new MutabilityError(
        `The userName of a user cannot be changed on this server (from ${quoted(oldName, 256)} to ${quoted(newName, 256)}); set [provisioning] username_changes = "allow" to permit it.`,
      );
    const record = await tx.directoryByScimId(current.id);
    if (isNewName && this.opts.usernameChanges === "allow") {
      // No SCIM user has the name (checked above), but a directory record may: a deleted user's, kept by
      // delete = "deactivate". Directory usernames stay unique, so the 409 says whose name it is.
      const holder = await tx.directoryByUsername(newName);
      if (holder && holder.id !== record?.id)
        throw new UniquenessError(
          holder.deleted
            ? `The userName ${quoted(newName, 256)} is the username of a deleted user's directory record (kept because [provisioning] delete = "deactivate"), and directory usernames are unique; choose another userName.`
            : `The userName ${quoted(newName, 256)} is already the username of another directory record; choose another userName.`,
        );
    }
    const mapped = mapUser(next.data, record, this.mapOptions());
    if (!(await tx.update("User", next, current))) throw this.notFound("User", current.id);
    if (renamed) await this.touchGroupsOf(tx, current.id);
    if (record) {
      const change: Parameters<WriteTx["updateDirectory"]>[1] = { ...mapped.fields };
      if (renamed && this.opts.usernameChanges === "allow") change.username = newName;
      if (renamed && this.opts.usernameChanges === "ignore")
        this.log.warn(`A userName change was ignored: the directory record keeps its username.`, {
          username: record.username,
          requested: newName,
          requestId: ctx.requestId,
        });
      const changed: Record<string, { before: unknown; after: unknown }> = diffFields(record, mapped.fields);
      if (change.username !== undefined && change.username !== record.username) changed.username = { before: record.username, after: change.username };
      if (Object.keys(changed).length === 0) {
        // Only SCIM attributes the record does not map changed (the manager, a second phone, an ignored
        // rename): the record is left as it was (its updatedAt too), and the event names those attributes.
        await this.emit(tx, ctx, "user.updated", "User", next.id, record.username, { changes: {}, attributes: changedAttributes(current.data, next.data) });
      } else {
        const after = await tx.updateDirectory(record, change, next.lastModified);
        if (after.username !== record.username) changed.username = { before: record.username, after: after.username };
        const type = record.active && !after.active ? "user.deactivated" : !record.active && after.active ? "user.reactivated" : "user.updated";
        await this.emit(tx, ctx, type, "User", next.id, after.username, { changes: changed });
      }
    } else {
      const created = await tx.insertDirectory(mapped.username, next.id, mapped.fields, next.lastModified);
      await this.emit(tx, ctx, "user.updated", "User", next.id, created.username, { changes: {}, record: mapped.fields });
    }
    this.warnAll(this.newWarnings(mapped.warnings, current.data, record), ctx, newName);
  }

  /** Of an update's warnings, those the resource did not already have: an unknown site is told once, not at every PATCH. */
  private newWarnings(warnings: string[], before: ScimResource, record: DirectoryRecord | null): string[] {
    if (warnings.length === 0) return warnings;
    let had: string[];
    try {
      had = mapUser(before, record, this.mapOptions()).warnings;
    } catch {
      had = []; // unknown_reference = "reject" now, and the old values would be refused: nothing was told
    }
    return warnings.filter((w) => !had.includes(w));
  }

  private async saveGroup(tx: WriteTx, current: StoredResource, next: StoredResource, ctx: RequestContext): Promise<void> {
    if (String(next.data.displayName).toLowerCase() !== String(current.data.displayName).toLowerCase()) {
      const taken = await tx.findIdByName("Group", String(next.data.displayName));
      if (taken && taken !== current.id) throw this.duplicate("Group", next.data);
    }
    if (!(await tx.update("Group", next))) throw this.notFound("Group", current.id);
    if (next.data.displayName !== current.data.displayName) await this.touchGroupsOf(tx, current.id);
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    for (const key of ["displayName", "externalId"])
      if (current.data[key] !== next.data[key]) changes[key] = { before: current.data[key] ?? null, after: next.data[key] ?? null };
    if (Object.keys(changes).length) await this.emit(tx, ctx, "group.updated", "Group", next.id, String(next.data.displayName), { changes });
  }

  /**
   * Makes the member list exactly `refs`, touching only the differences (one event each); true if any. With
   * `among`, only the members it selects are replaced (a filtered replace); the others stay.
   */
  private async setMembers(tx: WriteTx, ctx: RequestContext, group: StoredResource, refs: MemberRef[], among?: (m: MemberRef) => boolean): Promise<boolean> {
    const wanted = new Set(refs.map((r) => r.id));
    const current = await tx.members(group.id);
    const gone = current.filter((m) => !wanted.has(m.id) && (!among || among(m))).map((m) => m.id);
    const removed = await tx.removeMembers(group.id, gone);
    await this.emitMembers(tx, ctx, group, "group.member_removed", removed, new Map(current.map((m) => [m.id, m])));
    const added = await tx.addMembers(group.id, refs);
    await this.emitMembers(tx, ctx, group, "group.member_added", added, new Map(refs.map((r) => [r.id, r])));
    return removed.length + added.length > 0;
  }

  /**
   * A member's display is its userName or displayName, shown in each group that lists it: when that changes,
   * each of those groups has a new representation and so a new version (RFC 7232 §2.1), or a client's
   * If-None-Match would keep the old display. No event: the membership itself did not change. When the member
   * leaves (it is deleted), `before` records that for each group.
   */
  private async touchGroupsOf(tx: WriteTx, memberId: string, before?: (group: StoredResource) => Promise<void>): Promise<void> {
    for (const g of await tx.groupsOf(memberId)) {
      const group = await tx.get("Group", g.id);
      if (!group) continue;
      await before?.(group);
      await tx.update("Group", this.nextVersion(group, group.data), group);
    }
  }

  /** Members are kept in their own table, not in the group's JSON. */
  private takeMembers(s: StoredResource): { value: string; type?: string }[] {
    const members = s.data.members;
    delete (s.data as Record<string, unknown>).members;
    if (!Array.isArray(members)) return [];
    return members as { value: string; type?: string }[];
  }

  /**
   * The members that exist, each once. An id that does not (a user deleted since the identity provider cached
   * its id) is left out, with a warning and a `group.members_skipped` event, and the rest is applied: a 400
   * failed the whole membership change, again at every cycle, and the valid members' changes with it.
   */
  private async resolveMembers(tx: WriteTx, ctx: RequestContext, members: readonly { value?: unknown; type?: unknown }[], group: StoredResource): Promise<MemberRef[]> {
    const groupId = group.id;
    const ids: string[] = [];
    for (const m of members) {
      const value = memberValueOf(m);
      if (value === undefined) throw new InvalidValueError(MEMBER_VALUE_MESSAGE);
      ids.push(value);
    }
    if (ids.length === 0) return [];
    const found = await tx.existing(ids);
    const missing = [...new Set(ids)].filter((i) => !found.has(i));
    if (found.has(groupId)) throw new InvalidValueError("A group cannot be a member of itself; remove its own id from members.");
    // A group that already holds this one (directly or nested) cannot become its member: the two would contain
    // each other, and an application walking nested groups would go round for ever. One that is a member
    // already is not checked: a cycle stored by an earlier version must not block requests that add nothing.
    // The group's ancestors are read once per request, however many groups the request names.
    let ancestors: Set<string> | undefined;
    for (const ref of found.values())
      if (ref.type === "Group" && (ancestors ??= await tx.ancestorsOf(groupId)).has(ref.id) && !(await tx.groupsOf(ref.id)).some((g) => g.id === groupId))
        throw new InvalidValueError(
          `The group ${quoted(ref.display ?? ref.id, 256)} already contains this group, so it cannot also be its member; remove it from members.`,
        );
    if (missing.length) {
      this.log.warn("Group members that do not exist were left out of the request.", {
        group: groupId,
        missing: missing.slice(0, 10).map((m) => clip(m, 80)),
        count: missing.length,
        requestId: ctx.requestId,
        token: ctx.tokenName,
      });
      await this.emit(tx, ctx, "group.members_skipped", "Group", groupId, String(group.data.displayName), { missing: missing.slice(0, 100).map((m) => clip(m, 200)), count: missing.length });
    }
    const seen = new Set<string>();
    const out: MemberRef[] = [];
    for (const id of ids) {
      const ref = found.get(id);
      if (ref && !seen.has(id)) (seen.add(id), out.push(ref));
    }
    return out;
  }

  /**
   * Group PATCH: operations on `members` become membership changes in the member table (so a group of
   * 100,000 members is never loaded to add or remove one); the other operations go through the PATCH engine.
   */
  private async patchGroup(tx: WriteTx, current: StoredResource, ops: PatchOperation[], ctx: RequestContext, report: (name: string) => void): Promise<StoredResource> {
    const rest: PatchOperation[] = [];
    const id = current.id;
    let membersChanged = false;
    // A filtered member operation reads and matches every member: 1,000 of them on a 5,000-member group took
    // some 25 s. They are bounded as applyPatch's work is, counted before each read.
    const work = new PatchWork();
    for (const op of ops) {
      const target = op.path ? memberPathOf(op) : undefined;
      if (op.path && !target) {
        rest.push(op);
        continue;
      }
      if (!op.path) {
        // Path-less add/replace with a value object: its `members` key is a membership change.
        const value = op.value as Record<string, unknown> | null;
        if (value && typeof value === "object" && !Array.isArray(value)) {
          const key = Object.keys(value).find((k) => k.toLowerCase() === "members");
          if (key) {
            if (await this.memberOp(tx, ctx, current, op.op === "replace" ? "replace" : "add", undefined, value[key], work)) membersChanged = true;
            const { [key]: _m, ...others } = value;
            if (Object.keys(others).length) rest.push({ ...op, value: others });
            continue;
          }
        }
        rest.push(op);
        continue;
      }
      if (await this.memberOp(tx, ctx, current, op.op, target!.filter, op.value, work)) membersChanged = true;
    }
    let data = current.data;
    if (rest.length) {
      const patched = applyPatch({ ...current.data, id }, rest, GROUP, report);
      const { id: _id, meta: _meta, members: _members, ...d } = patched;
      if (typeof d.displayName !== "string" || d.displayName.trim() === "")
        throw new InvalidValueError('The attribute "displayName" is required; a PATCH cannot remove it or make it blank.');
      checkName("Group", d, current.data);
      data = d;
    }
    // As for users: a PATCH that changes neither the members nor an attribute keeps the version.
    if (!membersChanged && sameData(data, current.data)) return current;
    const next = this.nextVersion(current, data);
    await this.saveGroup(tx, current, next, ctx);
    return next;
  }

  /** Applies one membership operation; true when a member was added or removed. */
  private async memberOp(
    tx: WriteTx,
    ctx: RequestContext,
    group: StoredResource,
    op: "add" | "remove" | "replace",
    filter: FilterNode | undefined,
    value: unknown,
    work: PatchWork,
  ): Promise<boolean> {
    const groupId = group.id;
    const list = value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
    // What reading and matching every member will cost (an id filter such as Entra's value eq is looked up instead).
    if (filter && !(op === "remove" && memberIdsOf(filter))) work.spend(((await tx.memberCount(groupId)) + 1) * (termsOf(filter) + 1));
    if (op === "add") {
      const refs = await this.resolveMembers(tx, ctx, list, group);
      const added = await tx.addMembers(groupId, refs);
      await this.emitMembers(tx, ctx, group, "group.member_added", added, new Map(refs.map((r) => [r.id, r])));
      return added.length > 0;
    }
    if (op === "replace") {
      // RFC 7644 §3.5.2.3: with a filter, the matching members are replaced by the value (the others stay), and
      // none matching is noTarget.
      const among = filter && ((m: MemberRef) => matchMember(filter, m));
      if (among && !(await tx.members(groupId)).some(among))
        throw new NoTargetError("The members filter matches no member of this group; add the member instead.");
      return this.setMembers(tx, ctx, group, await this.resolveMembers(tx, ctx, list, group), among);
    }
    let removed: string[];
    // The events name each member's type and display, as those of additions do.
    let refs: Map<string, MemberRef>;
    if (filter) {
      const ids = memberIdsOf(filter) ?? (await tx.members(groupId)).filter((m) => matchMember(filter, m)).map((m) => m.id);
      refs = await tx.existing(ids);
      removed = await tx.removeMembers(groupId, ids);
    } else if (value !== undefined && value !== null) {
      // Entra ID removes members with path "members" and a value array: exactly those go (none for an
      // empty array), never all.
      // A member's "Value" is read without regard to case, as in an add (a {"Value": id} was skipped: the
      // client was told the removal succeeded, and the member kept the group's access). One without a
      // string value is a 400, as in an add, never skipped in silence.
      const ids = list.map((m) => (typeof m === "string" && m !== "" ? m : memberValueOf(m)));
      if (ids.some((v) => v === undefined)) throw new InvalidValueError(MEMBER_VALUE_MESSAGE);
      refs = await tx.existing(ids as string[]);
      removed = await tx.removeMembers(groupId, ids as string[]);
    } else {
      // RFC 7644 §3.5.2.2: remove with path "members" and no value removes all members.
      refs = new Map((await tx.members(groupId)).map((m) => [m.id, m]));
      removed = await tx.removeAllMembers(groupId);
    }
    await this.emitMembers(tx, ctx, group, "group.member_removed", removed, refs);
    return removed.length > 0;
  }

  // ---- directory (CLI) ---------------------------------------------------------------------------

  async directoryRecord(username: string): Promise<DirectoryRecord | null> {
    return this.repo.directoryByUsername(username);
  }

  /** Creates the `[provisioning] default_group` at start-up when it does not exist. */
  async ensureDefaultGroup(): Promise<void> {
    const name = this.opts.defaultGroup;
    if (!name) return;
    if (await this.repo.findIdByName("Group", name)) return;
    await this.write("Group", (tx) => this.defaultGroupIn(tx, name));
    this.log.info("Created the default group.", { displayName: name });
  }

  /**
   * Applies the `[directory]` lists as they are now to every record's department, company and site. A value
   * skipped as unknown (unknown_reference = "ignore") is applied once an administrator lists it, and a
   * listed value takes the list's new spelling: Entra does not send an attribute again that it already sent,
   * so without this the record would keep the old value for good. Run at start-up; it reads every user only
   * when the lists differ from those it last applied (kept in the database; none before the first run), in
   * pages of `batch` users with a turn of the event loop between them, and writes (one transaction per page)
   * only the records that change. Returns how many changed, and whether it finished: when `stopped()` cuts it
   * short, the next start does it again.
   */
  async reconcileReferences(batch = 200, stopped: () => boolean = () => false): Promise<{ changed: number; finished: boolean }> {
    const { departments, companies, sites } = this.opts.references;
    // The order of a list changes nothing; the spelling does (a listed value is stored as the list spells it).
    const lists = JSON.stringify({ departments: [...departments].sort(), companies: [...companies].sort(), sites: [...sites].sort() });
    if ((await this.repo.setting(REFERENCE_LISTS_KEY)) === lists) return { changed: 0, finished: true };
    // Values kept from an "ignore" period are not refused now, when unknown_reference may be "reject".
    const opts = { ...this.mapOptions(), unknownReference: "ignore" as const };
    const changesOf = (user: StoredResource, record: DirectoryRecord) => {
      const { department, company, site } = mapUser(user.data, record, opts).fields;
      return { fields: { department, company, site }, changes: diffFields(record, { department, company, site }) };
    };
    const apply = (ids: readonly string[]) =>
      this.repo.write(async (tx) => {
        let n = 0;
        for (const id of ids) {
          // Read again inside the transaction: a request may have changed the user since it was read.
          const user = await tx.get("User", id);
          const record = user && (await tx.directoryByScimId(id));
          if (!user || !record) continue;
          const { fields, changes } = changesOf(user, record);
          if (Object.keys(changes).length === 0) continue;
          await tx.updateDirectory(record, fields, this.clock().toISOString());
          await this.emit(tx, SYSTEM, "user.updated", "User", id, record.username, { changes, reason: "directory lists" });
          n++;
        }
        return n;
      });
    let changed = 0;
    let read = 0;
    let stale: string[] = [];
    for await (const record of this.repo.listDirectory()) {
      if (stopped()) return { changed, finished: false };
      const user = record.scimId === null ? null : await this.repo.get("User", record.scimId);
      if (user && Object.keys(changesOf(user, record).changes).length) stale.push(user.id);
      // Every record counts towards the page, those without a SCIM user too: the loop yields as often.
      if (++read % batch !== 0) continue;
      if (stale.length) changed += await apply(stale);
      stale = [];
      // A turn of the event loop between pages: requests are served meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    if (stale.length) changed += await apply(stale);
    await this.repo.write((tx) => tx.setSetting(REFERENCE_LISTS_KEY, lists));
    return { changed, finished: true };
  }

  /** The `[provisioning] default_group`, created (with its group.created event) when it does not exist. */
  private async defaultGroupIn(tx: WriteTx, name: string): Promise<StoredResource> {
    const found = await tx.findIdByName("Group", name);
    const existing = found ? await tx.get("Group", found) : null;
    if (existing) return existing;
    const now = this.clock().toISOString();
    const group: StoredResource = { id: this.newId(), data: { schemas: [GROUP.core.id], displayName: name }, version: 1, created: now, lastModified: now };
    await tx.insert("Group", group);
    await this.emit(tx, SYSTEM, "group.created", "Group", group.id, name, { defaultGroup: true });
    return group;
  }
}

/**
 * Whether a write leaves a resource's data as it was. `schemas` is compared as a set: a PUT lists the
 * extensions in schema order and a PATCH appends the one it adds, so the same data in another order was a
 * new version and an empty user.updated event.
 */
function sameData(a: ScimResource, b: ScimResource): boolean {
  const order = (r: ScimResource) => (Array.isArray(r.schemas) ? { ...r, schemas: [...r.schemas].map(String).sort() } : r);
  return deepEqual(order(a), order(b));
}

/** The attributes whose values differ (an extension's by their URN-qualified names), sorted. */
function changedAttributes(before: ScimResource, after: ScimResource): string[] {
  const out = new Set<string>();
  const compare = (a: Record<string, unknown>, b: Record<string, unknown>, prefix: string, nested: boolean) => {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (key === "schemas" || deepEqual(a[key], b[key])) continue;
      const x = a[key];
      const y = b[key];
      if (nested && key.startsWith("urn:") && (isPlainObject(x) || x === undefined) && (isPlainObject(y) || y === undefined))
        compare(isPlainObject(x) ? x : {}, isPlainObject(y) ? y : {}, `${key}:`, false);
      else out.add(prefix + key);
    }
  };
  compare(before, after, "", true);
  return [...out].sort();
}

/** For a PATCH path on `members` (with or without a value filter), the filter; undefined for other paths. */
function memberPathOf(op: PatchOperation): { filter?: FilterNode } | undefined {
  const p = op.path!;
  if (p.path.attribute.toLowerCase() !== "members") return undefined;
  if (p.path.uri && p.path.uri.toLowerCase() !== GROUP.core.id.toLowerCase()) return undefined;
  // A member is its id: value is immutable and display, type and $ref are derived (RFC 7643 §4.2). Such a path
  // was passed to the PATCH engine, which found no members in the group's JSON and changed nothing, with a 204.
  if (p.path.subAttribute !== undefined || p.subAttribute !== undefined)
    throw new MutabilityError("A member's value, display, type and $ref cannot be changed; remove the member and add the new one.");
  return { filter: p.filter };
}

/** `value eq "a" or value eq "b"`: the ids, without loading the member list. */
function memberIdsOf(filter: FilterNode): string[] | undefined {
  if (filter.kind === "compare" && filter.op === "eq" && filter.path.attribute.toLowerCase() === "value" && !filter.path.subAttribute && typeof filter.value === "string")
    return [filter.value];
  if (filter.kind === "or") {
    const l = memberIdsOf(filter.left);
    const r = memberIdsOf(filter.right);
    return l && r ? [...l, ...r] : undefined;
  }
  return undefined;
}

function matchMember(filter: FilterNode, m: MemberRef): boolean {
  const element = { value: m.id, type: m.type, display: m.display };
  return matchFilter({ kind: "valuePath", path: { attribute: "members" }, filter }, { members: [element] }, GROUP);
}

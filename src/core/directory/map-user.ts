import { InvalidValueError } from "../errors.ts";
import type { DirectoryFields } from "../repository.ts";
import type { ScimResource } from "../resource/types.ts";
import { ENTERPRISE_USER_SCHEMA, SCIMD_USER_SCHEMA } from "../schema/urns.ts";
import { quoted } from "../quote.ts";

/** Reference values from `[directory]`: an empty list accepts any value. */
export interface ReferenceLists {
  readonly departments: readonly string[];
  readonly companies: readonly string[];
  readonly sites: readonly string[];
}

export interface MapOptions {
  readonly references: ReferenceLists;
  /** `[provisioning] unknown_reference`: "ignore" keeps the previous value and warns; "reject" is a 400. */
  readonly unknownReference: "ignore" | "reject";
}

export interface MappedUser {
  readonly username: string;
  readonly fields: DirectoryFields;
  /** One sentence each, logged as warnings (an unknown department, company or site that was skipped). */
  readonly warnings: string[];
}

type Multi = { value?: unknown; type?: unknown; primary?: unknown }[];

const text = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);

/**
 * Of the values of one type, the primary one if there are several, the only one if there is one
 * (the seed's rule for work email, work phone and mobile).
 */
export function pickTyped(values: unknown, type: string): string | null {
  if (!Array.isArray(values)) return null;
  const ofType = (values as Multi).filter(
    (v) => v && typeof v === "object" && typeof v.type === "string" && v.type.toLowerCase() === type,
  );
  if (ofType.length === 0) return null;
  if (ofType.length === 1) return text(ofType[0]!.value);
  const primary = ofType.find((v) => v.primary === true);
  return primary ? text(primary.value) : null;
}

function matchReference(
  value: string | null,
  list: readonly string[],
  label: string,
  attribute: string,
  previous: string | null,
  opts: MapOptions,
  warnings: string[],
): string | null {
  if (value === null) return null;
  if (list.length === 0) return value;
  const known = list.find((k) => k.toLowerCase() === value.toLowerCase());
  if (known !== undefined) return known;
  if (opts.unknownReference === "reject")
    throw new InvalidValueError(
      `The ${label} ${quoted(value)} in "${attribute}" is not a known ${label}; add it to [directory] in scimd.toml or send one of the configured values.`,
    );
  warnings.push(
    `Unknown ${label} ${quoted(value)} in "${attribute}" was not applied; ${previous === null ? "the field is left empty" : "the previous value was kept"}.`,
  );
  return previous;
}

/**
 * The seed's mapping from a SCIM User to the application's user record (README, "Integration contract").
 * `previous` is the record as it was, so that a skipped reference value keeps its old value.
 */
export function mapUser(resource: ScimResource, previous: DirectoryFields | null, opts: MapOptions): MappedUser {
  const warnings: string[] = [];
  const name = (resource.name ?? {}) as Record<string, unknown>;
  const enterprise = (resource[ENTERPRISE_USER_SCHEMA] ?? {}) as Record<string, unknown>;
  const scimd = (resource[SCIMD_USER_SCHEMA] ?? {}) as Record<string, unknown>;
  const refs = opts.references;
  const fields: DirectoryFields = {
    // A new user without it is active (an update that leaves it out keeps its value: see keepActive in service.ts).
    active: resource.active !== false,
    description: text(resource.displayName),
    profession: text(resource.title),
    email: pickTyped(resource.emails, "work"),
    firstName: text(name.givenName),
    lastName: text(name.familyName),
    phone: pickTyped(resource.phoneNumbers, "work"),
    mobile: pickTyped(resource.phoneNumbers, "mobile"),
    employeeCode: text(enterprise.employeeNumber),
    department: matchReference(
      text(enterprise.department), refs.departments, "department",
      `${ENTERPRISE_USER_SCHEMA}:department`, previous?.department ?? null, opts, warnings,
    ),
    company: matchReference(
      text(enterprise.organization), refs.companies, "company",
      `${ENTERPRISE_USER_SCHEMA}:organization`, previous?.company ?? null, opts, warnings,
    ),
    site: matchReference(text(scimd.site), refs.sites, "site", `${SCIMD_USER_SCHEMA}:site`, previous?.site ?? null, opts, warnings),
  };
  return { username: String(resource.userName), fields, warnings };
}

/** The fields whose values differ, with before and after, for logs and events. */
export function diffFields(
  before: Partial<DirectoryFields>,
  after: Partial<DirectoryFields>,
): Record<string, { before: unknown; after: unknown }> {
  const out: Record<string, { before: unknown; after: unknown }> = {};
  for (const k of Object.keys(after) as (keyof DirectoryFields)[])
    if (before[k] !== after[k]) out[k] = { before: before[k], after: after[k] };
  return out;
}

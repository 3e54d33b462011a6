// Entra ID-shaped users and the requests Entra sends for them.
import { ENTERPRISE_USER_SCHEMA as E, PATCH_OP_SCHEMA, USER_SCHEMA } from "../../src/core/schema/urns.ts";

export const userNameOf = (run: string, i: number): string => `u${i}.${run}@bench.example.com`;

const DEPARTMENTS = ["Engineering", "Sales", "Finance", "Marketing", "Support", "Legal", "Operations", "Research"];
const TITLES = ["Engineer", "Manager", "Analyst", "Consultant", "Director", "Designer"];

/** A full Entra-style user, as the Entra provisioning service POSTs it (manager left out). */
export function entraUser(run: string, i: number): Record<string, unknown> {
  const userName = userNameOf(run, i);
  const given = `Given${i}`;
  const family = `Family${i % 9973}`;
  return {
    schemas: [USER_SCHEMA, E],
    externalId: `ext-${run}-${i}`,
    userName,
    active: true,
    displayName: `${given} ${family}`,
    title: TITLES[i % TITLES.length],
    emails: [{ primary: true, type: "work", value: userName }],
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    phoneNumbers: [
      { type: "work", value: `+1 555 01${String(i % 100000).padStart(5, "0")}` },
      { type: "mobile", value: `+1 555 02${String(i % 100000).padStart(5, "0")}` },
    ],
    [E]: { employeeNumber: String(100000 + i), department: DEPARTMENTS[i % DEPARTMENTS.length], organization: "Contoso" },
  };
}

export const lookupPath = (userName: string): string => `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`;

/** Entra's attribute update: three Replace operations (capitalised, as Entra sends them). */
export function entraPatch(run: string, i: number, round: number): Record<string, unknown> {
  return {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [
      { op: "Replace", path: "title", value: `${TITLES[(i + round) % TITLES.length]} ${round}` },
      { op: "Replace", path: 'emails[type eq "work"].value', value: `r${round}.${userNameOf(run, i)}` },
      { op: "Replace", path: `${E}:department`, value: DEPARTMENTS[(i + round) % DEPARTMENTS.length] },
    ],
  };
}

/** Entra's default-mode disable: "False" as a string (unless the aadOptscim062020 flag is set). */
export const entraDisable = { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: "Replace", path: "active", value: "False" }] };

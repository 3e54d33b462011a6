// The lookups identity providers send before every create (userName, externalId, emails.value) must be
// index searches on a real scimd database, never a scan of scim_users (a scan is O(users) per request).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFilter } from "../../src/core/filter/parse-filter.ts";
import { USER } from "../../src/core/schema/registry.ts";
import { USERS_BY_STATE } from "../../src/storage/directory-counts.ts";
import { compileFilter } from "../../src/storage/filter-to-sql.ts";
import { openStorage, type Storage } from "../../src/storage/open-storage.ts";
import { SqliteRepository } from "../../src/storage/repository.ts";
import { USER_TARGET } from "../../src/storage/sql-targets.ts";

let dir: string;
let storage: Storage;
let db: Database;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "scimd-plan-"));
  storage = openStorage(join(dir, "scimd.db"));
  db = (storage.repo as SqliteRepository).writer;
});
afterAll(() => {
  storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The two statements SqliteRepository.list runs for a filter (count, then the page in rowid order). */
function statementsFor(filter: string): { sql: string; params: unknown[] }[] {
  const where = compileFilter(parseFilter(filter, USER), USER, USER_TARGET);
  const from = `${USER_TARGET.table} AS ${USER_TARGET.alias}`;
  const a = USER_TARGET.alias;
  return [
    { sql: `SELECT count(*) AS n FROM ${from} WHERE ${where.sql}`, params: where.params },
    {
      sql: `SELECT ${a}.id AS id, ${a}.data AS data, ${a}.version AS version, ${a}.created AS created, ${a}.last_modified AS lastModified FROM ${from} WHERE ${where.sql} ORDER BY ${a}.rowid LIMIT ? OFFSET ?`,
      params: [...where.params, 100, 0],
    },
  ];
}

function plan(sql: string, params: unknown[]): string[] {
  return (db.query(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as never[])) as { detail: string }[]).map((r) => r.detail);
}

const CASES: [label: string, filter: string, index: RegExp][] = [
  ["userName eq", 'userName eq "bjensen@example.com"', /scim_users_user_name_folded_unique/],
  ["userName eq (other case)", 'USERNAME eq "BJensen@Example.com"', /scim_users_user_name_folded_unique/],
  ["externalId eq", 'externalId eq "00u1abcd"', /scim_users_external_id_idx/],
  ["emails.value eq", 'emails.value eq "bjensen@example.com"', /user_emails_value_idx/],
  ['emails[value eq "x"]', 'emails[value eq "bjensen@example.com"]', /user_emails_value_idx/],
  ['emails[type eq "work" and value eq "x"] (Entra, work email as matching attribute)', 'emails[type eq "work" and value eq "bjensen@example.com"]', /user_emails_value_idx/],
  ['emails[type eq "work"].value eq "x" (the same in PATCH-path form)', 'emails[type eq "work"].value eq "bjensen@example.com"', /user_emails_value_idx/],
];

describe("EXPLAIN QUERY PLAN of the lookups", () => {
  for (const [label, filter, index] of CASES) {
    test(label, () => {
      for (const s of statementsFor(filter)) {
        const steps = plan(s.sql, s.params);
        const text = steps.join("\n");
        // Every step on scim_users is an index SEARCH; the lookup's own index is used somewhere.
        expect(steps.some((d) => /^SEARCH .*USING (COVERING )?INDEX/.test(d) && index.test(d)), `${label}: ${s.sql}\n${text}`).toBe(true);
        expect(steps.filter((d) => /^SCAN (u|scim_users)\b/.test(d)), `${label} scans scim_users:\n${text}`).toEqual([]);
      }
    });
  }
});

describe("EXPLAIN QUERY PLAN of the /metrics user count", () => {
  test("counting users by state reads the index on active, not every row of scim_users", () => {
    const steps = plan(USERS_BY_STATE, []);
    expect(steps.join("\n")).toMatch(/USING (COVERING )?INDEX scim_users_active_idx/);
  });
});

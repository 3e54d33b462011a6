import type { Database } from "bun:sqlite";

/** Users by state (a scan of the index on active, scim_users_active_idx). */
export const USERS_BY_STATE = "SELECT coalesce(active, 1) AS active, count(*) AS n FROM scim_users GROUP BY 1";

/** Users by state and the group count, for /metrics (read at scrape time on a read connection). */
export function directoryCounts(db: Database): { usersActive: number; usersInactive: number; groups: number } {
  const users = db.query(USERS_BY_STATE).all() as { active: number; n: number }[];
  const groups = db.query("SELECT count(*) AS n FROM scim_groups").get() as { n: number };
  return {
    usersActive: users.find((u) => u.active === 1)?.n ?? 0,
    usersInactive: users.find((u) => u.active === 0)?.n ?? 0,
    groups: groups.n,
  };
}

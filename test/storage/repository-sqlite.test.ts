// The repository contract on the SQLite implementation, each test on a fresh database file.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStorage } from "../../src/storage/open-storage.ts";
import { runRepositoryContract } from "./repository-contract.ts";

runRepositoryContract("SQLite (openStorage on a file)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "scimd-repo-"));
  const storage = openStorage(join(dir, "scimd.db"));
  return {
    repo: storage.repo,
    close() {
      storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

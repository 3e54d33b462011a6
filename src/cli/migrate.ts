import { StorageError, migrateDatabase, openDatabase } from "../storage/db.ts";
import { CliError, databasePath, readConfig, type Io } from "./common.ts";

export async function migrateCommand(args: { config?: string }, io: Io): Promise<void> {
  const { config } = readConfig(args.config, io);
  try {
    const db = openDatabase(databasePath(config, io));
    try {
      const { applied } = migrateDatabase(db);
      io.out(applied ? `Applied ${applied} migration${applied === 1 ? "" : "s"} to ${config.storage.path}.` : `The database ${config.storage.path} is up to date.`);
    } finally {
      db.close();
    }
  } catch (e) {
    if (e instanceof StorageError) throw new CliError(e.message, 1);
    throw e;
  }
}

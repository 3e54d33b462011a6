import { StorageError } from "../storage/db.ts";
import { backupDatabase, restoreDatabase } from "../storage/backup-database.ts";
import { lockPathOf } from "../storage/server-lock.ts";
import { CliError, databasePath, lockDatabase, readConfig, type Io } from "./common.ts";

export interface BackupArgs {
  positionals: string[];
  config?: string;
  force?: boolean;
}

const asCliError = (e: unknown) => (e instanceof StorageError ? new CliError(e.message, 1) : e);

/** `scimd backup FILE [--force]`: a consistent copy of the database, safe while the server runs. */
export async function backupCommand(args: BackupArgs, io: Io): Promise<void> {
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1) throw new CliError('backup needs one file name; run "scimd backup FILE".', 2);
  const { config } = readConfig(args.config, io);
  const started = performance.now();
  try {
    const { bytes } = backupDatabase(databasePath(config, io), file, { force: args.force });
    io.out(`Wrote a backup of ${config.storage.path} to ${file} (${bytes} bytes, ${Math.round(performance.now() - started)} ms).`);
  } catch (e) {
    throw asCliError(e);
  }
}

/** `scimd restore FILE`: checks FILE, then replaces the database with it; refused while a server runs. */
export async function restoreCommand(args: BackupArgs, io: Io): Promise<void> {
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1) throw new CliError('restore needs one file name; run "scimd restore FILE".', 2);
  const { config } = readConfig(args.config, io);
  const lock = lockDatabase(config, io);
  if (!lock) throw new CliError(`scimd is running on ${config.storage.path} (it holds ${lockPathOf(databasePath(config, io))}); stop it (systemctl stop scimd) and run restore again.`, 1);
  try {
    const { users, groups, tokens, warnings } = restoreDatabase(file, databasePath(config, io));
    const credentials =
      tokens === "from backup"
        ? "the tokens are the backup's"
        : `tokens: ${tokens.kept} in force before the restore kept, ${tokens.fromBackup} from the backup, ${tokens.revokedSince} revoked since the backup left out`;
    io.out(`Restored ${databasePath(config, io)} from ${file} (${users} user${users === 1 ? "" : "s"}, ${groups} group${groups === 1 ? "" : "s"}; ${credentials}). Start scimd again.`);
    for (const w of warnings ?? []) io.err(`scimd: ${w}`);
  } catch (e) {
    throw asCliError(e);
  } finally {
    lock.release();
  }
}

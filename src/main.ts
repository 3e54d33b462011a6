import { quoted } from "./core/quote.ts";
import { parseArgs } from "node:util";
import { backupCommand, restoreCommand } from "./cli/backup.ts";
import { checkConfigCommand } from "./cli/check-config.ts";
import { CliError, processIo, type Io } from "./cli/common.ts";
import { eventsCommand } from "./cli/events.ts";
import { groupsCommand } from "./cli/groups.ts";
import { webhooksCommand } from "./cli/webhooks.ts";
import { healthcheckCommand } from "./cli/healthcheck.ts";
import { HELP } from "./cli/help.ts";
import { migrateCommand } from "./cli/migrate.ts";
import { serveCommand } from "./cli/serve.ts";
import { tokenCommand } from "./cli/token.ts";
import { usersCommand } from "./cli/users.ts";
import { VERSION_LINE } from "./version.ts";

const OPTIONS = {
  config: { type: "string" },
  name: { type: "string" },
  expires: { type: "string" },
  scope: { type: "string" },
  json: { type: "boolean" },
  force: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  since: { type: "string" },
  type: { type: "string" },
  user: { type: "string" },
  failed: { type: "boolean" },
  follow: { type: "boolean" },
  format: { type: "string" },
  out: { type: "string" },
} as const;

/** Node's parseArgs errors are several sentences; this says the one thing that is wrong. */
function argsProblem(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const option = /'(-{1,2}[^']*)'/.exec(message)?.[1];
  const code = (e as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `Unknown option ${option ?? ""}; run "scimd help" for the options.`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const name = /'(--?[A-Za-z-]+)/.exec(message)?.[1] ?? option ?? "the option";
    // "--since -1": what follows the option starts with a dash, so parseArgs will not take it as the value.
    if (/argument is ambiguous/.test(message))
      return `The option ${name} is followed by a word that starts with a dash; write ${name}=VALUE to give such a value.`;
    return `The option ${name} needs a value (or takes none); run "scimd help" for the options.`;
  }
  return `The command line is not valid; run "scimd help" for the options.`;
}

/** Commands, and subcommands, whose only inputs are options. */
const NO_ARGUMENTS = new Set(["serve", "events", "migrate", "check-config", "healthcheck", "version"]);
const NO_ARGUMENTS_SUB = new Set(["token list", "users list", "users export", "groups list", "webhooks status"]);

/** argv -> command. Returns the exit code; every failure is one sentence on stderr. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (e) {
      throw new CliError(argsProblem(e), 2);
    }
    const { values, positionals } = parsed;
    const [command, ...rest] = positionals;
    if (values.help || command === "help" || command === undefined) {
      io.out(HELP);
      return command === undefined && !values.help ? 2 : 0;
    }
    // Commands that take no arguments refuse stray ones (`scimd serve extra` started a server on the defaults).
    if (NO_ARGUMENTS.has(command) && rest.length)
      throw new CliError(`"scimd ${command}" takes no arguments, but was given ${quoted(rest.join(" "))}; put options after it (--config FILE), as "scimd help" shows.`, 2);
    if (rest.length > 1 && NO_ARGUMENTS_SUB.has(`${command} ${rest[0]}`))
      throw new CliError(`"scimd ${command} ${rest[0]}" takes no arguments, but was given ${quoted(rest.slice(1).join(" "))}; it takes only options (such as --config FILE), as "scimd help" shows.`, 2);
    switch (command) {
      case "serve":
        await serveCommand({ config: values.config }, io);
        return 0;
      case "token":
        await tokenCommand({ sub: rest[0], positionals: rest.slice(1), ...values }, io);
        return 0;
      case "users":
        await usersCommand({ sub: rest[0], positionals: rest.slice(1), config: values.config, json: values.json, format: values.format, out: values.out, force: values.force }, io);
        return 0;
      case "events":
        await eventsCommand({ config: values.config, since: values.since, type: values.type, user: values.user, failed: values.failed, follow: values.follow, json: values.json }, io);
        return 0;
      case "webhooks":
        await webhooksCommand({ sub: rest[0], positionals: rest.slice(1), config: values.config, json: values.json }, io);
        return 0;
      case "groups":
        await groupsCommand({ sub: rest[0], positionals: rest.slice(1), config: values.config, json: values.json }, io);
        return 0;
      case "migrate":
        await migrateCommand({ config: values.config }, io);
        return 0;
      case "check-config":
        await checkConfigCommand({ config: values.config }, io);
        return 0;
      case "backup":
        await backupCommand({ positionals: rest, config: values.config, force: values.force }, io);
        return 0;
      case "restore":
        await restoreCommand({ positionals: rest, config: values.config }, io);
        return 0;
      case "healthcheck":
        await healthcheckCommand({ config: values.config }, io);
        return 0;
      case "version":
        io.out(`scimd ${VERSION_LINE}`);
        return 0;
      default:
        throw new CliError(`Unknown command "${command}"; run "scimd help" for the list.`, 2);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`scimd: ${e.message}`);
      return e.exitCode;
    }
    io.err(`scimd: unexpected failure (${e instanceof Error ? e.message : String(e)}); please report it.`);
    return 1;
  }
}

/**
 * The reader of stdout went away (`scimd users list | head -1`): stop quietly, as command-line tools killed by
 * SIGPIPE do (exit status 141), rather than with a stack trace. Anything else on stdout is a real failure.
 */
export function onStdoutError(e: NodeJS.ErrnoException, exit: (code: number) => void, err: (line: string) => void): void {
  if (e.code === "EPIPE") return exit(141);
  err(`scimd: cannot write the output (${e.message}).`);
  exit(1);
}

if (import.meta.main) {
  process.stdout.on("error", (e: NodeJS.ErrnoException) => onStdoutError(e, (code) => process.exit(code), processIo.err));
  process.exitCode = await main(process.argv.slice(2));
}

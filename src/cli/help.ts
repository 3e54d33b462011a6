export const HELP = `scimd: a SCIM 2.0 service provider for Microsoft Entra ID and Okta provisioning.

Usage: scimd <command> [options]

Commands:
  serve                         Run the server (SCIM API under /scim and /scim/v2).
  token create --name NAME [--expires 90d] [--scope scim|admin]
                                Create a bearer token; the secret is printed once, alone on the last line.
  token list [--json]           List tokens (name, scope, created, last used, expires; never the secret).
  token revoke NAME             Revoke a token; it is refused from the next request on.
  users list [--json]           Print the directory users (the application's user records).
  users show USERNAME [--json]  Print one directory user with its groups.
  users export [--format json|csv] [--out FILE [--force]]
                                Stream every directory user (deleted ones included) to a file or stdout.
  groups list [--json]          Print groups with member counts.
  groups show NAME [--json]     Print one group with its members.
  events [--since SEQ] [--type user.*] [--user USERNAME] [--failed] [--follow] [--json]
                                The audit trail (or, with --failed, the failed SCIM requests).
  webhooks status [--json]      Delivery position, pending and parked events of each webhook.
  webhooks retry [NAME]         Re-send events parked as dead.
  migrate                       Create the database or bring it up to date.
  check-config                  Validate the configuration file and exit.
  backup FILE [--force]         Write a consistent copy of the database (safe while scimd runs).
  restore FILE                  Check FILE and replace the database with it (scimd must be stopped).
  healthcheck                   GET /healthz on the configured port; exit 0 when healthy, else 1.
  version                       Print the version.
  help                          Print this help.

Every command takes --config FILE (else $SCIMD_CONFIG, else ./scimd.toml when present, else built-in defaults).
Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad configuration.`;
